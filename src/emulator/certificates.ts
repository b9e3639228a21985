// X.509 certificates for `events emulator --tls` and the https tests, made with node:crypto alone:
// no openssl binary on the machine, no npm package. A small DER encoder builds the TBSCertificate
// (subjectAltName, basicConstraints, keyUsage, extKeyUsage, key identifiers) and ECDSA P-256 with
// SHA-256 signs it; `crypto.sign` already gives the DER form of an EC signature.
import crypto from 'node:crypto';
import net from 'node:net';

export interface Pem {
  cert: string;
  key: string;
}

export interface CaOptions {
  commonName?: string;
  notBefore?: Date;
  notAfter?: Date;
}

export interface LeafOptions {
  /** DNS names and IP addresses, e.g. ['localhost', '127.0.0.1', '::1']. */
  hosts: string[];
  notBefore?: Date;
  notAfter?: Date;
  commonName?: string;
}

const DAY_MS = 24 * 3600_000;

/** A certificate authority: self-signed, CA:TRUE, may sign certificates (keyCertSign, cRLSign). */
export function makeCa(options: CaOptions = {}): Pem {
  const keys = newKeyPair();
  const name = distinguishedName(options.commonName ?? 'events emulator test CA');
  const spki = keys.publicKey.export({ type: 'spki', format: 'der' });
  const keyId = keyIdentifier(spki);
  const tbs = tbsCertificate({
    issuer: name,
    subject: name,
    spki,
    notBefore: options.notBefore ?? new Date(Date.now() - DAY_MS),
    notAfter: options.notAfter ?? new Date(Date.now() + 3650 * DAY_MS),
    extensions: [
      extension(OID.basicConstraints, true, seq(boolean(true))),
      extension(
        OID.keyUsage,
        true,
        keyUsageBits([KEY_USAGE.digitalSignature, KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign]),
      ),
      extension(OID.subjectKeyIdentifier, false, octetString(keyId)),
    ],
  });
  return { cert: toPem('CERTIFICATE', sign(tbs, keys.privateKey)), key: privatePem(keys.privateKey) };
}

/**
 * A server certificate for `hosts`, signed by `ca`, or self-signed when `ca` is undefined.
 * Names and addresses go in subjectAltName, the only place TLS clients look.
 */
export function makeLeaf(ca: Pem | undefined, options: LeafOptions): Pem {
  if (options.hosts.length === 0) throw new Error('makeLeaf: hosts must name at least one DNS name or IP address');
  const keys = newKeyPair();
  const subject = distinguishedName(options.commonName ?? options.hosts[0]!);
  const spki = keys.publicKey.export({ type: 'spki', format: 'der' });
  let issuer = subject;
  let signer = keys.privateKey;
  let authorityKeyId = keyIdentifier(spki);
  if (ca) {
    const caCert = new crypto.X509Certificate(ca.cert);
    issuer = distinguishedNameOf(caCert);
    signer = crypto.createPrivateKey(ca.key);
    authorityKeyId = keyIdentifier(caCert.publicKey.export({ type: 'spki', format: 'der' }));
  }
  const tbs = tbsCertificate({
    issuer,
    subject,
    spki,
    notBefore: options.notBefore ?? new Date(Date.now() - DAY_MS),
    notAfter: options.notAfter ?? new Date(Date.now() + 825 * DAY_MS),
    extensions: [
      extension(OID.basicConstraints, true, seq()),
      extension(OID.keyUsage, true, keyUsageBits([KEY_USAGE.digitalSignature])),
      extension(OID.extKeyUsage, false, seq(oid(OID.serverAuth))),
      extension(OID.subjectAltName, false, seq(...options.hosts.map(generalName))),
      extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(spki))),
      extension(OID.authorityKeyIdentifier, false, seq(tagged(0x80, authorityKeyId))),
    ],
  });
  return { cert: toPem('CERTIFICATE', sign(tbs, signer)), key: privatePem(keys.privateKey) };
}

// ---- certificate structure (RFC 5280) ----

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

/** Bit numbers of KeyUsage, bit 0 being the most significant bit of the first byte. */
const KEY_USAGE = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 } as const;

interface TbsFields {
  issuer: Buffer;
  subject: Buffer;
  spki: Buffer;
  notBefore: Date;
  notAfter: Date;
  extensions: Buffer[];
}

function tbsCertificate(fields: TbsFields): Buffer {
  return seq(
    explicit(0, integer(2)), // v3
    integer(serialNumber()),
    algorithm(),
    fields.issuer,
    seq(time(fields.notBefore), time(fields.notAfter)),
    fields.subject,
    fields.spki, // SubjectPublicKeyInfo, already DER
    explicit(3, seq(...fields.extensions)),
  );
}

function sign(tbs: Buffer, key: crypto.KeyObject): Buffer {
  return seq(tbs, algorithm(), bitString(crypto.sign('sha256', tbs, key)));
}

function algorithm(): Buffer {
  return seq(oid(OID.ecdsaWithSha256)); // parameters absent for ECDSA (RFC 5758)
}

function distinguishedName(commonName: string): Buffer {
  return seq(
    set(seq(oid(OID.organization), printableOrUtf8('events emulator'))),
    set(seq(oid(OID.commonName), printableOrUtf8(commonName))),
  );
}

/** The issuer of a leaf is byte for byte the CA's subject: copied out of the CA's DER. */
function distinguishedNameOf(cert: crypto.X509Certificate): Buffer {
  const certificate = children(cert.raw)[0]!;
  const tbs = children(certificate.content)[0]!;
  // version [0], serial, signature algorithm, issuer, validity, subject
  return children(tbs.content)[5]!.whole;
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(id), boolean(true), octetString(value)) : seq(oid(id), octetString(value));
}

function keyUsageBits(bits: number[]): Buffer {
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[bit >> 3]! |= 0x80 >> (bit & 7);
  // DER: no trailing zero bits; the first octet says how many bits of the last byte are unused.
  return bitString(bytes, 7 - (highest & 7));
}

function generalName(host: string): Buffer {
  const family = net.isIP(host);
  if (family === 4) return tagged(0x87, Buffer.from(host.split('.').map(Number)));
  if (family === 6) return tagged(0x87, ipv6Bytes(host));
  return tagged(0x82, Buffer.from(host, 'ascii')); // dNSName, IA5String
}

function ipv6Bytes(address: string): Buffer {
  const groupsOf = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((g) => {
          if (!g.includes('.')) return [parseInt(g, 16)];
          const [a, b, c, d] = g.split('.').map(Number) as [number, number, number, number]; // ::ffff:1.2.3.4
          return [(a << 8) | b, (c << 8) | d];
        });
  const gap = address.indexOf('::');
  const left = groupsOf(gap < 0 ? address : address.slice(0, gap));
  const right = gap < 0 ? [] : groupsOf(address.slice(gap + 2));
  const groups = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const bytes = Buffer.alloc(16);
  groups.forEach((g, i) => bytes.writeUInt16BE(g, i * 2));
  return bytes;
}

function serialNumber(): Buffer {
  const bytes = crypto.randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01; // positive and not zero
  return bytes;
}

function keyIdentifier(spki: Buffer): Buffer {
  return crypto.createHash('sha1').update(spki).digest();
}

function newKeyPair(): crypto.KeyPairKeyObjectResult {
  return crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

function privatePem(key: crypto.KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

function toPem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

// ---- a minimal DER encoder ----

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function seq(...items: Buffer[]): Buffer {
  return tlv(0x30, Buffer.concat(items));
}

function set(...items: Buffer[]): Buffer {
  return tlv(0x31, Buffer.concat(items));
}

function boolean(value: boolean): Buffer {
  return tlv(0x01, Buffer.from([value ? 0xff : 0x00]));
}

/** INTEGER from a small number or from big-endian unsigned bytes: minimal, and positive. */
function integer(value: number | Buffer): Buffer {
  let bytes: Buffer;
  if (typeof value === 'number') {
    const list: number[] = [];
    for (let n = value; n > 0; n = Math.floor(n / 256)) list.unshift(n & 0xff);
    bytes = Buffer.from(list.length ? list : [0]);
  } else {
    let start = 0;
    while (start < value.length - 1 && value[start] === 0) start++;
    bytes = value.subarray(start);
  }
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(0x02, bytes);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [40 * parts[0]! + parts[1]!];
  for (const part of parts.slice(2)) {
    const chunk: number[] = [part & 0x7f];
    for (let n = Math.floor(part / 128); n > 0; n = Math.floor(n / 128)) chunk.unshift(0x80 | (n & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

function bitString(bytes: Buffer, unusedBits = 0): Buffer {
  return tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), bytes]));
}

function octetString(bytes: Buffer): Buffer {
  return tlv(0x04, bytes);
}

/** PrintableString when the text allows it, else UTF8String. */
function printableOrUtf8(text: string): Buffer {
  return /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(text)
    ? tlv(0x13, Buffer.from(text, 'ascii'))
    : tlv(0x0c, Buffer.from(text, 'utf8'));
}

/** UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280, 4.1.2.5); seconds, always Z. */
function time(date: Date): Buffer {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  const year = date.getUTCFullYear();
  if (year >= 1950 && year < 2050) return tlv(0x17, Buffer.from(`${digits.slice(2)}Z`, 'ascii'));
  return tlv(0x18, Buffer.from(`${digits}Z`, 'ascii'));
}

/** EXPLICIT context tag [n], constructed. */
function explicit(n: number, inner: Buffer): Buffer {
  return tlv(0xa0 | n, inner);
}

/** IMPLICIT context tag with a primitive body: `tag` is the whole tag byte (e.g. 0x82). */
function tagged(tag: number, content: Buffer): Buffer {
  return tlv(tag, content);
}

interface Node {
  content: Buffer;
  whole: Buffer;
}

/** The TLVs directly inside `der` (a constructed value's content, or a whole certificate). */
function children(der: Buffer): Node[] {
  const out: Node[] = [];
  let at = 0;
  while (at < der.length) {
    const start = at;
    at++; // tag (single byte: all we write and all a certificate's top levels use)
    let length = der[at++]!;
    if (length & 0x80) {
      const count = length & 0x7f;
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + der[at++]!;
    }
    out.push({ content: der.subarray(at, at + length), whole: der.subarray(start, at + length) });
    at += length;
  }
  return out;
}
