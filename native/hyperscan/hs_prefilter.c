/*
 * Optional native multi-pattern prefilter (src/detect/prefilter-native.ts): Hyperscan or its
 * portable fork Vectorscan (same API, same <hs/hs.h>, libhs), block mode, literal patterns.
 *
 *   compile(bytes, lens, flags, hits) -> db   one database per rule group and buffer; pattern id
 *                                             i is the i-th literal (bytes cut by lens); hits is
 *                                             the Int32Array the scans write pattern ids into
 *   scan(db, buf, start, end) -> count        ids of the patterns found in buf[start, end) go to
 *                                             hits[0, count), each at most once (SINGLEMATCH)
 *   platformOk() -> "" or why not             hs_valid_platform (Hyperscan needs SSSE3)
 *
 * The match callback is C (no JavaScript call per match). Scratch space is one per Node
 * environment (instance data), so worker threads each have their own; it is grown at compile
 * time to fit every database, so a scan never allocates.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <hs/hs.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  hs_scratch_t *scratch;
} Instance;

typedef struct {
  hs_database_t *db;
  int32_t *hits;
  uint32_t cap;
  napi_ref hitsRef;
} Db;

typedef struct {
  int32_t *hits;
  uint32_t cap;
  uint32_t n;
} ScanCtx;

#define THROW(env, msg)                        \
  do {                                         \
    napi_throw_error((env), NULL, (msg));      \
    return NULL;                               \
  } while (0)
#define CHECK(env, call)                                \
  do {                                                  \
    if ((call) != napi_ok) THROW((env), #call " failed"); \
  } while (0)

static void free_instance(napi_env env, void *data, void *hint) {
  Instance *in = (Instance *)data;
  if (in->scratch != NULL) hs_free_scratch(in->scratch);
  free(in);
}

static void free_db(napi_env env, void *data, void *hint) {
  Db *d = (Db *)data;
  if (d->db != NULL) hs_free_database(d->db);
  if (d->hitsRef != NULL) napi_delete_reference(env, d->hitsRef);
  free(d);
}

static int on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags, void *ctx) {
  ScanCtx *c = (ScanCtx *)ctx;
  if (c->n < c->cap) c->hits[c->n++] = (int32_t)id;
  return 0;
}

static napi_value platform_ok(napi_env env, napi_callback_info info) {
  napi_value out;
  const char *why = hs_valid_platform() == HS_SUCCESS ? "" : "this CPU lacks the instructions the library needs (SSSE3)";
  CHECK(env, napi_create_string_utf8(env, why, NAPI_AUTO_LENGTH, &out));
  return out;
}

static int typed(napi_env env, napi_value v, napi_typedarray_type want, void **data, size_t *len) {
  bool is = false;
  napi_typedarray_type t;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return 0;
  if (napi_get_typedarray_info(env, v, &t, len, data, NULL, NULL) != napi_ok || t != want) return 0;
  return 1;
}

static napi_value compile(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4) THROW(env, "compile(bytes, lens, flags, hits)");
  void *bytes, *lensP, *flagsP, *hitsP;
  size_t nbytes, nlens, nflags, nhits;
  if (!typed(env, argv[0], napi_uint8_array, &bytes, &nbytes) || !typed(env, argv[1], napi_uint32_array, &lensP, &nlens) ||
      !typed(env, argv[2], napi_uint32_array, &flagsP, &nflags) || !typed(env, argv[3], napi_int32_array, &hitsP, &nhits))
    THROW(env, "compile(Uint8Array, Uint32Array, Uint32Array, Int32Array)");
  if (nlens == 0 || nflags != nlens || nhits < nlens) THROW(env, "compile: lens, flags and hits must have one entry per pattern");
  const uint32_t *lens = (const uint32_t *)lensP;
  const uint32_t *flags = (const uint32_t *)flagsP;
  const char **exprs = malloc(nlens * sizeof(char *));
  size_t *lenv = malloc(nlens * sizeof(size_t));
  unsigned *ids = malloc(nlens * sizeof(unsigned));
  unsigned *fl = malloc(nlens * sizeof(unsigned));
  if (exprs == NULL || lenv == NULL || ids == NULL || fl == NULL) {
    free(exprs), free(lenv), free(ids), free(fl);
    THROW(env, "compile: out of memory");
  }
  size_t off = 0;
  int bad = 0;
  for (size_t i = 0; i < nlens; i++) {
    if (lens[i] == 0 || off + lens[i] > nbytes) bad = 1;
    exprs[i] = (const char *)bytes + (bad ? 0 : off);
    lenv[i] = lens[i];
    ids[i] = (unsigned)i;
    fl[i] = HS_FLAG_SINGLEMATCH | ((flags[i] & 1) ? HS_FLAG_CASELESS : 0);
    off += lens[i];
  }
  hs_database_t *db = NULL;
  hs_compile_error_t *err = NULL;
  hs_error_t rc = bad ? HS_INVALID : hs_compile_lit_multi(exprs, fl, ids, lenv, (unsigned)nlens, HS_MODE_BLOCK, NULL, &db, &err);
  free(exprs), free(lenv), free(ids), free(fl);
  if (bad) THROW(env, "compile: empty pattern or lens beyond bytes");
  if (rc != HS_SUCCESS) {
    char msg[512];
    snprintf(msg, sizeof msg, "hs_compile_lit_multi: %s", err != NULL && err->message != NULL ? err->message : "failed");
    if (err != NULL) hs_free_compile_error(err);
    THROW(env, msg);
  }
  Instance *in = NULL;
  if (napi_get_instance_data(env, (void **)&in) != napi_ok || in == NULL) {
    hs_free_database(db);
    THROW(env, "compile: no instance data");
  }
  // Grown (never shrunk) to fit every database of this environment: scans never allocate.
  if (hs_alloc_scratch(db, &in->scratch) != HS_SUCCESS) {
    hs_free_database(db);
    THROW(env, "hs_alloc_scratch failed");
  }
  Db *d = calloc(1, sizeof(Db));
  if (d == NULL) {
    hs_free_database(db);
    THROW(env, "compile: out of memory");
  }
  d->db = db;
  d->hits = (int32_t *)hitsP;
  d->cap = (uint32_t)nhits;
  // The hits array must outlive the database (its memory is written by scans).
  if (napi_create_reference(env, argv[3], 1, &d->hitsRef) != napi_ok) {
    free_db(env, d, NULL);
    THROW(env, "compile: napi_create_reference failed");
  }
  napi_value ext;
  if (napi_create_external(env, d, free_db, NULL, &ext) != napi_ok) {
    free_db(env, d, NULL);
    THROW(env, "compile: napi_create_external failed");
  }
  return ext;
}

static napi_value scan(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  Db *d = NULL;
  void *data = NULL;
  size_t len = 0;
  napi_typedarray_type t;
  int32_t start = 0, end = 0;
  Instance *in = NULL;
  if (argc < 4 || napi_get_value_external(env, argv[0], (void **)&d) != napi_ok || d == NULL ||
      napi_get_typedarray_info(env, argv[1], &t, &len, &data, NULL, NULL) != napi_ok || t != napi_uint8_array ||
      napi_get_value_int32(env, argv[2], &start) != napi_ok || napi_get_value_int32(env, argv[3], &end) != napi_ok ||
      napi_get_instance_data(env, (void **)&in) != napi_ok || in == NULL)
    THROW(env, "scan(db, Uint8Array, start, end)");
  if (start < 0) start = 0;
  if ((size_t)end > len) end = (int32_t)len;
  ScanCtx c = {d->hits, d->cap, 0};
  if (end > start) hs_scan(d->db, (const char *)data + start, (unsigned)(end - start), 0, in->scratch, on_match, &c);
  napi_value out;
  napi_create_uint32(env, c.n, &out);
  return out;
}

/* For the bench: the call overhead alone (same argument handling, no scan). */
static napi_value noop(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  Db *d = NULL;
  void *data = NULL;
  size_t len = 0;
  napi_typedarray_type t;
  int32_t start = 0, end = 0;
  napi_get_value_external(env, argv[0], (void **)&d);
  napi_get_typedarray_info(env, argv[1], &t, &len, &data, NULL, NULL);
  napi_get_value_int32(env, argv[2], &start);
  napi_get_value_int32(env, argv[3], &end);
  napi_value out;
  napi_create_uint32(env, 0, &out);
  return out;
}

static napi_value version(napi_env env, napi_callback_info info) {
  napi_value out;
  napi_create_string_utf8(env, hs_version(), NAPI_AUTO_LENGTH, &out);
  return out;
}

NAPI_MODULE_INIT() {
  Instance *in = calloc(1, sizeof(Instance));
  if (in == NULL || napi_set_instance_data(env, in, free_instance, NULL) != napi_ok) return NULL;
  napi_property_descriptor props[] = {
      {"compile", NULL, compile, NULL, NULL, NULL, napi_enumerable, NULL},
      {"scan", NULL, scan, NULL, NULL, NULL, napi_enumerable, NULL},
      {"noop", NULL, noop, NULL, NULL, NULL, napi_enumerable, NULL},
      {"platformOk", NULL, platform_ok, NULL, NULL, NULL, napi_enumerable, NULL},
      {"version", NULL, version, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  napi_value abi;
  napi_create_uint32(env, 1, &abi);
  napi_set_named_property(env, exports, "abi", abi);
  return exports;
}
