/**
 * TLS in the app-layer framework: one TlsState per flow slot (made on first TLS data, reused
 * after) and its one transaction (Suricata's TLS has one tx per flow), TlsTxView, which serves
 * the tls.* / ja3* / ja4 buffers (tls-buffers.ts) to detection.
 *
 * Side progress: hello (ClientHello / ServerHello parsed), certificate (that side's chain
 * parsed), complete (both sides encrypted).
 */
import { AppProto } from '../app-proto.js';
import { AppTxBase, txClock, type AppTx } from '../app-tx.js';
import { FlowTxParser } from '../flow-tx-parser.js';
import { certExpired, certValid, type TlsCertInfo } from './tls-cert.js';
import { TLS_EVENT_NAMES, TlsBuf, TlsProgress } from './tls-buffers.js';
import { TlsState } from './tls-state.js';

const EMPTY_BYTES = new Uint8Array(0);

export class TlsTxView extends AppTxBase implements AppTx {
  readonly alproto = AppProto.Tls;
  readonly id = 0;
  /** Events of the state already written as EVE anomalies. */
  eventsLogged = 0;
  readonly state = new TlsState();
  // Byte forms of string fields, by buffer id (made once each field is there).
  private cache: (Uint8Array | undefined)[] = [];

  reset(): void {
    this.state.clear();
    this.resetBase();
    this.cache = [];
    this.eventsLogged = 0;
  }

  sideProgress(toServer: boolean): number {
    const s = this.state;
    if (s.handshakeDone) return TlsProgress.Complete;
    if (toServer) return s.clientCertDone ? TlsProgress.Cert : s.clientHelloDone ? TlsProgress.Hello : TlsProgress.None;
    return s.serverCertDone ? TlsProgress.Cert : s.serverHelloDone ? TlsProgress.Hello : TlsProgress.None;
  }

  private cert(id: number, base: number): TlsCertInfo | null {
    return id === base ? this.state.clientCert : this.state.serverCert;
  }

  private text(id: number, v: string | null | undefined): number {
    if (v === null || v === undefined) return -1;
    let b = this.cache[id];
    if (b === undefined) b = this.cache[id] = Uint8Array.from(Buffer.from(v, 'latin1'));
    this.bytes = b;
    this.offset = 0;
    return b.length;
  }

  private raw(b: Uint8Array | null | undefined): number {
    if (b === null || b === undefined) return -1;
    this.bytes = b;
    this.offset = 0;
    return b.length;
  }

  bufferCount(id: number): number {
    const s = this.state;
    if (id === TlsBuf.Certs) return s.clientCerts.length;
    if (id === TlsBuf.Certs + 1) return s.serverCerts.length;
    if (id === TlsBuf.SubjectAltName || id === TlsBuf.SubjectAltName + 1) return this.cert(id, TlsBuf.SubjectAltName)?.san.length ?? 0;
    if (id === TlsBuf.Alpn) return s.clientHello?.alpns.length ?? 0;
    if (id === TlsBuf.Alpn + 1) return s.serverHello?.alpn != null ? 1 : 0;
    if (id === TlsBuf.Event) return s.events.length;
    return this.bufferAt(id, 0) < 0 ? 0 : 1;
  }

  bufferAt(id: number, k: number): number {
    const s = this.state;
    switch (id) {
      case TlsBuf.Sni:
        return this.text(id, s.sni);
      case TlsBuf.CertSubject:
      case TlsBuf.CertSubject + 1:
        return this.text(id, this.cert(id, TlsBuf.CertSubject)?.subject);
      case TlsBuf.CertIssuer:
      case TlsBuf.CertIssuer + 1:
        return this.text(id, this.cert(id, TlsBuf.CertIssuer)?.issuer);
      case TlsBuf.CertSerial:
      case TlsBuf.CertSerial + 1:
        return this.text(id, this.cert(id, TlsBuf.CertSerial)?.serial);
      case TlsBuf.CertFingerprint:
      case TlsBuf.CertFingerprint + 1:
        return this.text(id, this.cert(id, TlsBuf.CertFingerprint)?.fingerprint);
      case TlsBuf.Certs:
        return this.raw(s.clientCerts[k]);
      case TlsBuf.Certs + 1:
        return this.raw(s.serverCerts[k]);
      case TlsBuf.SubjectAltName:
      case TlsBuf.SubjectAltName + 1: {
        const san = this.cert(id, TlsBuf.SubjectAltName)?.san[k];
        if (san === undefined) return -1;
        this.bytes = Uint8Array.from(Buffer.from(san, 'latin1'));
        this.offset = 0;
        return this.bytes.length;
      }
      case TlsBuf.Alpn:
      case TlsBuf.Alpn + 1: {
        const a = id === TlsBuf.Alpn ? s.clientHello?.alpns[k] : k === 0 ? s.serverHello?.alpn : undefined;
        if (a === undefined || a === null) return -1;
        this.bytes = Uint8Array.from(Buffer.from(a, 'latin1'));
        this.offset = 0;
        return this.bytes.length;
      }
      case TlsBuf.Ja3Hash:
        return this.text(id, s.ja3?.hash);
      case TlsBuf.Ja3String:
        return this.text(id, s.ja3?.string);
      case TlsBuf.Ja3sHash:
        return this.text(id, s.ja3s?.hash);
      case TlsBuf.Ja3sString:
        return this.text(id, s.ja3s?.string);
      case TlsBuf.Ja4Hash:
        return this.text(id, s.ja4);
      case TlsBuf.Random:
        return this.raw(s.clientHello?.random);
      case TlsBuf.Random + 1:
        return this.raw(s.serverHello?.random);
      case TlsBuf.RandomTime:
      case TlsBuf.RandomTime + 1:
      case TlsBuf.RandomBytes:
      case TlsBuf.RandomBytes + 1: {
        const r = (id & 1) === 0 ? s.clientHello?.random : s.serverHello?.random;
        if (r === undefined || r.length < 32) return -1;
        this.bytes = r;
        const time = id === TlsBuf.RandomTime || id === TlsBuf.RandomTime + 1;
        this.offset = time ? 0 : 4;
        return time ? 4 : 28;
      }
      case TlsBuf.Version:
      case TlsBuf.SslVersion:
        return s.versionFor(true) === 0 ? -1 : s.versionFor(true);
      case TlsBuf.Version + 1:
      case TlsBuf.SslVersion + 1:
        return s.versionFor(false) === 0 ? -1 : s.versionFor(false);
      case TlsBuf.SslState:
      case TlsBuf.SslState + 1:
        return s.currentFlags;
      case TlsBuf.CertNotBefore:
      case TlsBuf.CertNotBefore + 1: {
        const c = this.cert(id, TlsBuf.CertNotBefore);
        return c === null ? -1 : c.notBefore;
      }
      case TlsBuf.CertNotAfter:
      case TlsBuf.CertNotAfter + 1: {
        const c = this.cert(id, TlsBuf.CertNotAfter);
        return c === null ? -1 : c.notAfter;
      }
      case TlsBuf.CertExpired:
      case TlsBuf.CertExpired + 1: {
        const c = this.cert(id, TlsBuf.CertExpired);
        return c === null ? -1 : certExpired(c, txClock[0]!) ? 1 : 0;
      }
      case TlsBuf.CertValid:
      case TlsBuf.CertValid + 1: {
        const c = this.cert(id, TlsBuf.CertValid);
        return c === null ? -1 : certValid(c, txClock[0]!) ? 1 : 0;
      }
      case TlsBuf.Event: {
        const e = s.events[k];
        return e === undefined ? -1 : TLS_EVENT_NAMES.indexOf(e);
      }
      case TlsBuf.CertChainLen:
        return s.clientCertDone ? s.clientCerts.length : -1;
      case TlsBuf.CertChainLen + 1:
        return s.serverCertDone ? s.serverCerts.length : -1;
      default:
        this.bytes = EMPTY_BYTES;
        return -1;
    }
  }
}

/** TLS: the handshake of a flow is its one transaction. */
export class TlsParser extends FlowTxParser<TlsState, TlsTxView> {
  readonly completeProgress: number = TlsProgress.Complete;
  /** JA3/JA3S/JA4 are computed (a rule uses them, or EVE asks for them); off by default as in Suricata. */
  fingerprints = false;

  protected newView(): TlsTxView {
    return new TlsTxView();
  }

  protected override taken(v: TlsTxView): void {
    v.state.fingerprints = this.fingerprints;
  }
}
