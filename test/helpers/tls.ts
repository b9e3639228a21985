// A throw-away PKI on disk for the https tests: one CA and a few named server certificates, each
// good or broken in one known way. Files, because the CLI under test reads them (--cert/--key,
// NODE_EXTRA_CA_CERTS) as a user would.
import fs from 'node:fs';
import path from 'node:path';
import { makeCa, makeLeaf, type Pem } from '../../src/emulator/certificates.js';

export type LeafName = 'good' | 'expired' | 'wrongHost' | 'selfSigned';

export interface LeafFiles extends Pem {
  certFile: string;
  keyFile: string;
}

export interface TestPki {
  /** The CA's certificate: what NODE_EXTRA_CA_CERTS or a client's `ca` should name. */
  caFile: string;
  ca: Pem;
  /**
   * good: localhost, 127.0.0.1 and ::1, signed by the CA; expired: the same hosts, ended yesterday;
   * wrongHost: example.invalid only; selfSigned: localhost and 127.0.0.1, signed by itself.
   */
  leaves: Record<LeafName, LeafFiles>;
}

const DAY_MS = 24 * 3600_000;

/** Writes ca.pem, ca-key.pem and <name>.pem / <name>-key.pem for every leaf into `dir`. */
export function makeTestPki(dir: string): TestPki {
  fs.mkdirSync(dir, { recursive: true });
  const ca = makeCa({ commonName: 'events test CA' });
  const local = ['localhost', '127.0.0.1', '::1'];
  const made: Record<LeafName, Pem> = {
    good: makeLeaf(ca, { hosts: local }),
    expired: makeLeaf(ca, {
      hosts: local,
      notBefore: new Date(Date.now() - 30 * DAY_MS),
      notAfter: new Date(Date.now() - DAY_MS),
    }),
    wrongHost: makeLeaf(ca, { hosts: ['example.invalid'] }),
    selfSigned: makeLeaf(undefined, { hosts: local, commonName: 'self-signed localhost' }),
  };
  const caFile = write(dir, 'ca.pem', ca.cert);
  write(dir, 'ca-key.pem', ca.key);
  const leaves = Object.fromEntries(
    Object.entries(made).map(([name, pem]) => [
      name,
      { ...pem, certFile: write(dir, `${name}.pem`, pem.cert), keyFile: write(dir, `${name}-key.pem`, pem.key) },
    ]),
  ) as Record<LeafName, LeafFiles>;
  return { caFile, ca, leaves };
}

function write(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text, { mode: name.endsWith('-key.pem') ? 0o600 : 0o644 });
  return file;
}
