/**
 * Ids of the HTTP sticky buffers a transaction serves as (bytes, offset, length), with the rule
 * names (item 3 of issue 13 maps keywords to these). Request and response variants of a keyword
 * that exists in both directions are distinct ids.
 */
export const HttpBuf = {
  // Request side.
  Uri: 0, // http.uri (normalised)
  UriRaw: 1, // http.uri.raw
  Method: 2, // http.method
  RequestProtocol: 3, // http.protocol (to server)
  Host: 4, // http.host (lower-cased, no port)
  HostRaw: 5, // http.host.raw
  UserAgent: 6, // http.user_agent
  RequestHeader: 7, // http.header (to server)
  RequestHeaderRaw: 8, // http.header.raw
  RequestHeaderNames: 9, // http.header_names
  RequestCookie: 10, // http.cookie (Cookie)
  RequestContentType: 11, // http.content_type
  RequestContentLen: 12, // http.content_len
  Referer: 13, // http.referer
  Accept: 14, // http.accept
  AcceptLang: 15, // http.accept_lang
  AcceptEnc: 16, // http.accept_enc
  RequestConnection: 17, // http.connection
  RequestLine: 18, // http.request_line
  RequestStart: 19, // http.start (to server)
  RequestBody: 20, // http.request_body / http_client_body
  // Response side.
  ResponseProtocol: 21, // http.protocol (to client)
  StatCode: 22, // http.stat_code
  StatMsg: 23, // http.stat_msg
  ResponseLine: 24, // http.response_line
  ResponseHeader: 25, // http.header (to client)
  ResponseHeaderRaw: 26, // http.header.raw
  ResponseHeaderNames: 27, // http.header_names
  ResponseCookie: 28, // http.cookie (Set-Cookie)
  ResponseContentType: 29,
  ResponseContentLen: 30,
  Location: 31, // http.location
  Server: 32, // http.server
  ResponseConnection: 33,
  ResponseStart: 34, // http.start (to client)
  ResponseBody: 35, // file.data / http.response_body (dechunked, decompressed)
} as const;
export type HttpBufId = (typeof HttpBuf)[keyof typeof HttpBuf];
export const HTTP_BUF_COUNT = 36;

/** First response-side id: ids below it live in the request half. */
export const FIRST_RESPONSE_BUF = HttpBuf.ResponseProtocol;
