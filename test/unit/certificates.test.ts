// src/emulator/certificates.ts: certificates made with node:crypto alone must satisfy Node's own
// X.509 parser and a real TLS handshake, and fail it for the reasons a client must refuse.
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { makeCa, makeLeaf, type Pem } from '../../src/emulator/certificates.js';
import { tempDir } from '../helpers/env.js';
import { makeTestPki } from '../helpers/tls.js';

const DAY = 24 * 3600_000;

/** An https server with `leaf` on 127.0.0.1:0, one GET to it with `ca` trusted (or none), closed. */
async function handshake(
  leaf: Pem,
  ca: string | undefined,
): Promise<{ status?: number; body?: string; code?: string }> {
  const server = https.createServer({ cert: leaf.cert, key: leaf.key }, (_req, res) => res.end('hello over tls'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise((resolve) => {
      const req = https.get({ host: '127.0.0.1', port, path: '/', ca, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      });
      req.on('error', (error: NodeJS.ErrnoException) => resolve({ code: error.code }));
    });
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('certificates made with node:crypto', () => {
  const ca = makeCa();
  const leaf = makeLeaf(ca, { hosts: ['localhost', '127.0.0.1', '::1'] });

  it('parse as X.509, the leaf is signed by the CA and names its hosts in subjectAltName', () => {
    const caCert = new crypto.X509Certificate(ca.cert);
    const leafCert = new crypto.X509Certificate(leaf.cert);
    expect(caCert.ca).toBe(true);
    expect(leafCert.ca).toBe(false);
    expect(caCert.verify(caCert.publicKey)).toBe(true);
    expect(leafCert.verify(caCert.publicKey)).toBe(true);
    expect(leafCert.checkIssued(caCert)).toBe(true);
    expect(leafCert.issuer).toBe(caCert.subject);
    expect(leafCert.checkHost('localhost')).toBe('localhost');
    expect(leafCert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leafCert.checkIP('::1')).toBe('::1');
    expect(leafCert.checkHost('example.com')).toBeUndefined();
    expect(leafCert.checkIP('127.0.0.2')).toBeUndefined();
    expect(leafCert.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(leafCert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // extKeyUsage serverAuth
    // A private key that matches the certificate: Node checks it.
    expect(leafCert.checkPrivateKey(crypto.createPrivateKey(leaf.key))).toBe(true);
    expect(caCert.checkPrivateKey(crypto.createPrivateKey(ca.key))).toBe(true);
  });

  it('keeps the dates asked for, in UTCTime before 2050 and GeneralizedTime after', () => {
    const notBefore = new Date('2030-01-02T03:04:05Z');
    const notAfter = new Date('2060-06-07T08:09:10Z');
    const cert = new crypto.X509Certificate(makeCa({ commonName: 'Dated CA', notBefore, notAfter }).cert);
    expect(new Date(cert.validFrom).toISOString()).toBe(notBefore.toISOString());
    expect(new Date(cert.validTo).toISOString()).toBe(notAfter.toISOString());
    expect(cert.subject).toContain('CN=Dated CA');
  });

  it('a real https server with the leaf answers a client that trusts the CA', async () => {
    expect(await handshake(leaf, ca.cert)).toEqual({ status: 200, body: 'hello over tls' });
  });

  it('is refused for the reasons a client must refuse: expired, wrong host, self-signed, unknown CA', async () => {
    const expired = makeLeaf(ca, {
      hosts: ['localhost', '127.0.0.1'],
      notBefore: new Date(Date.now() - 3 * DAY),
      notAfter: new Date(Date.now() - DAY),
    });
    expect(await handshake(expired, ca.cert)).toEqual({ code: 'CERT_HAS_EXPIRED' });
    const wrongHost = makeLeaf(ca, { hosts: ['example.invalid'] });
    expect(await handshake(wrongHost, ca.cert)).toEqual({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    const selfSigned = makeLeaf(undefined, { hosts: ['localhost', '127.0.0.1'] });
    expect(
      new crypto.X509Certificate(selfSigned.cert).verify(new crypto.X509Certificate(selfSigned.cert).publicKey),
    ).toBe(true);
    expect(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN']).toContain(
      (await handshake(selfSigned, undefined)).code,
    );
    // Signed by a CA the client was not told about.
    expect(await handshake(leaf, makeCa().cert)).toEqual({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    // The self-signed leaf, trusted explicitly, is good.
    expect(await handshake(selfSigned, selfSigned.cert)).toEqual({ status: 200, body: 'hello over tls' });
  });

  it('test/helpers/tls.ts writes a CA and leaves that are each good or broken in their named way', async () => {
    const dir = tempDir('events-pki-');
    try {
      const pki = makeTestPki(dir);
      const ca = fs.readFileSync(pki.caFile, 'utf8');
      const leaf = (name: keyof typeof pki.leaves): Pem => ({
        cert: fs.readFileSync(pki.leaves[name].certFile, 'utf8'),
        key: fs.readFileSync(pki.leaves[name].keyFile, 'utf8'),
      });
      expect((fs.statSync(pki.leaves.good.keyFile).mode & 0o777).toString(8)).toBe('600');
      expect(await handshake(leaf('good'), ca)).toEqual({ status: 200, body: 'hello over tls' });
      expect(await handshake(leaf('expired'), ca)).toEqual({ code: 'CERT_HAS_EXPIRED' });
      expect(await handshake(leaf('wrongHost'), ca)).toEqual({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
      expect(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN']).toContain(
        (await handshake(leaf('selfSigned'), ca)).code,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
