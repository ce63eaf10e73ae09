{
  "targets": [
    {
      "target_name": "hs_prefilter",
      "sources": ["hs_prefilter.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-lhs"]
    }
  ]
}
