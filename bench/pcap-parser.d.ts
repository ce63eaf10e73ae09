/** Types for pcap-parser 0.2 (CommonJS, no bundled types); only what the benchmark uses. */
declare module 'pcap-parser' {
  import type { EventEmitter } from 'node:events';
  import type { Readable } from 'node:stream';

  namespace pcapParser {
    interface PacketHeader {
      timestampSeconds: number;
      timestampMicroseconds: number;
      capturedLength: number;
      originalLength: number;
    }
    interface Packet {
      header: PacketHeader;
      data: Buffer;
    }
    interface Parser extends EventEmitter {
      on(event: 'packet', listener: (packet: Packet) => void): this;
      on(event: 'end', listener: () => void): this;
      on(event: 'error', listener: (err: Error) => void): this;
      on(event: string, listener: (...args: unknown[]) => void): this;
    }
    function parse(input: string | Readable): Parser;
  }
  export = pcapParser;
}
