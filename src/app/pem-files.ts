// --cert/--key, for every server this tool runs (the emulator, the webhook receiver): the two PEM
// files read and checked to belong together before anything listens, each problem one line
// naming the flag and the file.
import fs from 'node:fs';
import { InputError, UsageError } from '../core/errors.js';

export async function readCertAndKey(certFile: string, keyFile: string): Promise<{ cert: string; key: string }> {
  const cert = readPem('--cert', certFile);
  const key = readPem('--key', keyFile);
  const crypto = await import('node:crypto');
  let parsed: InstanceType<typeof crypto.X509Certificate>;
  try {
    parsed = new crypto.X509Certificate(cert);
  } catch {
    throw new UsageError(
      `--cert ${certFile} is not a PEM certificate`,
      'pass a file that starts with -----BEGIN CERTIFICATE-----',
    );
  }
  let privateKey: ReturnType<typeof crypto.createPrivateKey>;
  try {
    privateKey = crypto.createPrivateKey(key);
  } catch {
    throw new UsageError(
      `--key ${keyFile} is not a PEM private key (or it is encrypted)`,
      'pass an unencrypted key that starts with -----BEGIN PRIVATE KEY-----',
    );
  }
  if (!parsed.checkPrivateKey(privateKey))
    throw new UsageError(
      `--key ${keyFile} is not the private key of --cert ${certFile}`,
      'pass the key the certificate was issued for',
    );
  return { cert, key };
}

function readPem(flag: string, file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new InputError(
      `cannot read ${flag} ${file} (${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a folder' : code === 'EACCES' ? 'permission denied' : code})`,
      `pass a readable PEM file to ${flag}`,
    );
  }
}
