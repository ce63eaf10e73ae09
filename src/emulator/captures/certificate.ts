/**
 * A real, self-signed X.509 v3 certificate for the TLS captures, deterministic: the DER is built
 * with @peculiar/asn1-x509 from fixed fields, the key is Ed25519 from a fixed seed, and Ed25519
 * signatures are deterministic (RFC 8032), so the same bytes come out on every run and the
 * signature verifies against the certificate's own key.
 */
import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  BasicConstraints,
  Certificate,
  Extension,
  Extensions,
  GeneralName,
  Name,
  RelativeDistinguishedName,
  SubjectAlternativeName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
  id_ce_basicConstraints,
  id_ce_subjectAltName,
} from '@peculiar/asn1-x509';

const ID_ED25519 = '1.3.101.112';
/** PKCS#8 wrapping of a raw 32-byte Ed25519 seed (RFC 8410). */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface CertificateSpec {
  /** RDNs in order, e.g. [['C', 'US'], ['O', 'Example'], ['CN', 'host.example']]. */
  subject: [string, string][];
  /** Serial number bytes (positive: first byte < 0x80). */
  serial: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  /** subjectAltName DNS names. */
  dnsNames: string[];
  /** 32-byte Ed25519 private key seed. */
  keySeed: Uint8Array;
}

const ATTR_OID: Record<string, string> = { C: '2.5.4.6', ST: '2.5.4.8', L: '2.5.4.7', O: '2.5.4.10', OU: '2.5.4.11', CN: '2.5.4.3' };

function name(rdns: [string, string][]): Name {
  return new Name(
    rdns.map(([k, v]) => {
      const oid = ATTR_OID[k];
      if (oid === undefined) throw new Error(`certificate: unknown attribute ${k}`);
      // C is a PrintableString (RFC 5280), the rest UTF8String as current CAs write them.
      const value = k === 'C' ? new AttributeValue({ printableString: v }) : new AttributeValue({ utf8String: v });
      return new RelativeDistinguishedName([new AttributeTypeAndValue({ type: oid, value })]);
    }),
  );
}

/** DER of a self-signed certificate (issuer = subject) signed with the spec's Ed25519 key. */
export function selfSignedCertificate(spec: CertificateSpec): Uint8Array {
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, Buffer.from(spec.keySeed)]), format: 'der', type: 'pkcs8' });
  const spki = AsnConvert.parse(createPublicKey(key).export({ format: 'der', type: 'spki' }), SubjectPublicKeyInfo);
  const alg = new AlgorithmIdentifier({ algorithm: ID_ED25519 });
  const dn = name(spec.subject);
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: Uint8Array.from(spec.serial).buffer,
    signature: alg,
    issuer: dn,
    validity: new Validity({ notBefore: spec.notBefore, notAfter: spec.notAfter }),
    subject: name(spec.subject),
    subjectPublicKeyInfo: spki,
    extensions: new Extensions([
      new Extension({ extnID: id_ce_basicConstraints, critical: true, extnValue: new OctetString(AsnConvert.serialize(new BasicConstraints({ cA: true }))) }),
      new Extension({ extnID: id_ce_subjectAltName, critical: false, extnValue: new OctetString(AsnConvert.serialize(new SubjectAlternativeName(spec.dnsNames.map((d) => new GeneralName({ dNSName: d }))))) }),
    ]),
  });
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
  const signature = sign(null, tbsDer, key);
  const cert = new Certificate({ tbsCertificate: tbs, signatureAlgorithm: alg, signatureValue: Uint8Array.from(signature).buffer });
  return new Uint8Array(AsnConvert.serialize(cert));
}
