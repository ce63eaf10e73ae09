# syntax=docker/dockerfile:1
# mirrorsink container image: a VPC Traffic Mirroring target (VXLAN UDP 4789, GENEVE UDP 6081)
# with Prometheus metrics and health checks on HTTP 9109.
#
#   docker build -t mirrorsink .
#   docker run --network host -v /etc/mirrorsink:/etc/mirrorsink:ro \
#     -v /var/lib/mirrorsink:/var/lib/mirrorsink mirrorsink
#
# Host networking keeps UDP off docker's NAT path; /var/lib/mirrorsink on the host must be
# writable by uid 10001. See docs/operator-guide.md.

# Node.js 24, the active LTS line (22 works too; 20 reached end of life in April 2026). Build and
# runtime stages must use the same major: the native addons are built for its ABI.
#
# ---- build: compile TypeScript, the native recvmmsg receiver, the Hyperscan prefilter
# (Vectorscan on arm64) and the optional `cap` (libpcap) binding, then drop
# dev dependencies so that node_modules can be copied as is.
FROM node:24-bookworm AS build
RUN hs=$([ "$(dpkg --print-architecture)" = amd64 ] && echo libhyperscan-dev || echo libvectorscan-dev) \
 && apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ libpcap-dev "$hs" \
 && rm -rf /var/lib/apt/lists/*
# node-gyp uses the headers shipped in the image instead of downloading them.
ENV npm_config_nodedir=/usr/local
WORKDIR /app
COPY package.json package-lock.json ./
# The native recvmmsg receiver and prefilter: npm ci's install script builds them; build:native
# fails the image build if it could not (the image must not fall back to dgram or the
# JavaScript prefilter silently).
COPY native ./native
RUN npm ci --no-audit --no-fund \
 && npm run build:native
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf dist/bench \
 && mkdir -p rules examples

# ---- runtime: Node.js, libpcap and libhs only; no compilers, no dev dependencies.
FROM node:24-bookworm-slim AS runtime
RUN hs=$([ "$(dpkg --print-architecture)" = amd64 ] && echo libhyperscan5 || echo libvectorscan5) \
 && apt-get update \
 && apt-get install -y --no-install-recommends libpcap0.8 "$hs" \
 && rm -rf /var/lib/apt/lists/*
# A fixed uid/gid so that host directories can be chowned to it (deploy/ uses 10001 too).
RUN groupadd --system --gid 10001 mirrorsink \
 && useradd --system --uid 10001 --gid mirrorsink --home-dir /var/lib/mirrorsink --no-create-home --shell /usr/sbin/nologin mirrorsink \
 && install -d -o root -g mirrorsink -m 0750 /etc/mirrorsink \
 && install -d -o mirrorsink -g mirrorsink -m 0750 /var/lib/mirrorsink
ENV NODE_ENV=production
WORKDIR /app
# package.json: the version in --version and mirrorsink_build_info is read from it.
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/native/build/Release/udp_batch.node ./native/build/Release/udp_batch.node
COPY --from=build /app/native/hyperscan/build/Release/hs_prefilter.node ./native/hyperscan/build/Release/hs_prefilter.node
COPY --from=build /app/rules ./rules
COPY --from=build /app/examples ./examples
# The configuration and state directory serve uses, also read by `mirrorsink healthcheck`
# (STATE_DIR/eve.json is serve's default EVE output; STATE_DIR/serve-http.json its bound HTTP address).
ENV MIRRORSINK_CONFIG=/etc/mirrorsink/mirrorsink.yaml \
    MIRRORSINK_STATE_DIR=/var/lib/mirrorsink
USER mirrorsink
# All above 1024: no capabilities needed for UDP. Live capture (serve --interface) needs
# CAP_NET_RAW in the effective set, which a non-root user does not get from --cap-add: run that
# mode as root with only NET_RAW (docker run --user 0 --cap-drop ALL --cap-add NET_RAW ...),
# see docs/operator-guide.md "Live capture".
EXPOSE 4789/udp 6081/udp 9109/tcp
VOLUME ["/etc/mirrorsink", "/var/lib/mirrorsink"]
# /healthz fails when the UDP listener is down or the sink falls behind, as the NLB health check
# sees it. `mirrorsink healthcheck` asks where serve listens: the address serve published in
# the state directory, else the configuration and MIRRORSINK_HTTP_* (never a fixed port).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "/app/dist/src/cli/main.js", "healthcheck", "--timeout", "4000"]
ENTRYPOINT ["node", "/app/dist/src/cli/main.js"]
CMD ["serve", "--config", "/etc/mirrorsink/mirrorsink.yaml"]
