/**
 * HTTP/1 parser limits, with Suricata's shipped suricata.yaml values
 * (app-layer.protocols.http.libhtp.default-config, see reference §7).
 */
export interface HttpConfig {
  /** Request body bytes kept for inspection (request-body-limit 100 KiB). */
  readonly requestBodyLimit: number;
  /** Response body bytes kept, after decompression (response-body-limit 100 KiB). */
  readonly responseBodyLimit: number;
  /** Compressed body bytes kept per direction of a tx before decompression (bounds zlib input). */
  readonly compressedBodyLimit: number;
  /** Content-Encoding layers decoded (response-body-decompress-layer-limit 2). */
  readonly decompressLayerLimit: number;
  /** Live transactions per flow (max-tx 512); beyond it the request side stops, counted. */
  readonly maxTx: number;
  /** Headers per message (headers-limit 1024); beyond it headers are dropped, counted. */
  readonly headersLimit: number;
  /** Longest request/status line or header line (libhtp field limit 18000). */
  readonly fieldLimit: number;
  /** Bytes of line + headers kept per message (bounds the per-tx arena). */
  readonly headerBlockLimit: number;
  /** Request decompression (Suricata enables it). */
  readonly requestDecompression: boolean;
}

export function defaultHttpConfig(over: Partial<HttpConfig> = {}): HttpConfig {
  return {
    requestBodyLimit: 100 * 1024,
    responseBodyLimit: 100 * 1024,
    compressedBodyLimit: 256 * 1024,
    decompressLayerLimit: 2,
    maxTx: 512,
    headersLimit: 1024,
    fieldLimit: 18000,
    headerBlockLimit: 64 * 1024,
    requestDecompression: true,
    ...over,
  };
}
