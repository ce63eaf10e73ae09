/**
 * HTTP app-layer events with Suricata's names (src/app-layer-htp.c: http_decoder_event_table,
 * lower-cased; rules say `app-layer-event:http.<name>`). Raised per transaction, counted
 * globally. Ids index a 64-bit set per transaction.
 */
export const HTTP_EVENT_NAMES = [
  'unknown_error',
  'gzip_decompression_failed',
  'request_field_missing_colon',
  'response_field_missing_colon',
  'invalid_request_chunk_len',
  'invalid_response_chunk_len',
  'invalid_transfer_encoding_value_in_request',
  'invalid_transfer_encoding_value_in_response',
  'invalid_content_length_field_in_request',
  'invalid_content_length_field_in_response',
  'duplicate_content_length_field_in_request',
  'duplicate_content_length_field_in_response',
  '100_continue_already_seen',
  'unable_to_match_response_to_request',
  'invalid_server_port_in_request',
  'invalid_authority_port',
  'request_header_invalid',
  'response_header_invalid',
  'missing_host_header',
  'host_header_ambiguous',
  'invalid_request_field_folding',
  'invalid_response_field_folding',
  'request_field_too_long',
  'response_field_too_long',
  'request_line_invalid',
  'request_body_unexpected',
  'request_header_repetition',
  'response_header_repetition',
  'uri_delim_non_compliant',
  'method_delim_non_compliant',
  'request_line_leading_whitespace',
  'too_many_encoding_layers',
  'abnormal_ce_header',
  'response_multipart_byteranges',
  'response_abnormal_transfer_encoding',
  'response_chunked_old_proto',
  'response_invalid_protocol',
  'response_invalid_status',
  'request_line_incomplete',
  'compression_bomb',
  'request_too_many_headers',
  'response_too_many_headers',
  'request_chunk_extension',
  // Not Suricata names (mirrorsink's own, for what libhtp reports as a parser error):
  'too_many_transactions', // max-tx reached: the request side stops
  'line_gap', // a gap where parsing cannot resume (line or headers): the direction stops
] as const;

export type HttpEventName = (typeof HTTP_EVENT_NAMES)[number];

function id(name: HttpEventName): number {
  return HTTP_EVENT_NAMES.indexOf(name);
}

export const HttpEvent = {
  UnknownError: id('unknown_error'),
  GzipDecompressionFailed: id('gzip_decompression_failed'),
  RequestFieldMissingColon: id('request_field_missing_colon'),
  ResponseFieldMissingColon: id('response_field_missing_colon'),
  InvalidRequestChunkLen: id('invalid_request_chunk_len'),
  InvalidResponseChunkLen: id('invalid_response_chunk_len'),
  InvalidTransferEncodingValueInRequest: id('invalid_transfer_encoding_value_in_request'),
  InvalidTransferEncodingValueInResponse: id('invalid_transfer_encoding_value_in_response'),
  InvalidContentLengthFieldInRequest: id('invalid_content_length_field_in_request'),
  InvalidContentLengthFieldInResponse: id('invalid_content_length_field_in_response'),
  DuplicateContentLengthFieldInRequest: id('duplicate_content_length_field_in_request'),
  DuplicateContentLengthFieldInResponse: id('duplicate_content_length_field_in_response'),
  Continue100AlreadySeen: id('100_continue_already_seen'),
  UnableToMatchResponseToRequest: id('unable_to_match_response_to_request'),
  RequestHeaderInvalid: id('request_header_invalid'),
  ResponseHeaderInvalid: id('response_header_invalid'),
  MissingHostHeader: id('missing_host_header'),
  HostHeaderAmbiguous: id('host_header_ambiguous'),
  InvalidRequestFieldFolding: id('invalid_request_field_folding'),
  InvalidResponseFieldFolding: id('invalid_response_field_folding'),
  RequestFieldTooLong: id('request_field_too_long'),
  ResponseFieldTooLong: id('response_field_too_long'),
  RequestLineInvalid: id('request_line_invalid'),
  RequestHeaderRepetition: id('request_header_repetition'),
  ResponseHeaderRepetition: id('response_header_repetition'),
  UriDelimNonCompliant: id('uri_delim_non_compliant'),
  MethodDelimNonCompliant: id('method_delim_non_compliant'),
  RequestLineLeadingWhitespace: id('request_line_leading_whitespace'),
  TooManyEncodingLayers: id('too_many_encoding_layers'),
  AbnormalCeHeader: id('abnormal_ce_header'),
  ResponseMultipartByteranges: id('response_multipart_byteranges'),
  ResponseAbnormalTransferEncoding: id('response_abnormal_transfer_encoding'),
  ResponseChunkedOldProto: id('response_chunked_old_proto'),
  ResponseInvalidProtocol: id('response_invalid_protocol'),
  ResponseInvalidStatus: id('response_invalid_status'),
  RequestLineIncomplete: id('request_line_incomplete'),
  RequestTooManyHeaders: id('request_too_many_headers'),
  ResponseTooManyHeaders: id('response_too_many_headers'),
  RequestChunkExtension: id('request_chunk_extension'),
  TooManyTransactions: id('too_many_transactions'),
  LineGap: id('line_gap'),
} as const;

/** Event id of a name (case-insensitive, with or without the "http." prefix), or undefined. */
export function httpEventByName(name: string): number | undefined {
  const n = name.toLowerCase().replace(/^http\./, '');
  const i = (HTTP_EVENT_NAMES as readonly string[]).indexOf(n);
  return i < 0 ? undefined : i;
}
