// Secret keys at rest: sealed with AES-256-GCM under a master key when one is configured.
// The server must know each SK to verify signatures, so SKs can't be hashed.

import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';

const PLAIN = 'plain:';
const SEALED = 'aes256gcm:';

export class SecretBox {
  private readonly key: Buffer | null;

  /** masterKey: any string of 16+ characters, or null to store secrets unencrypted. */
  constructor(masterKey: string | null) {
    if (masterKey !== null && masterKey.length < 16) {
      throw new Error('the master key must be at least 16 characters');
    }
    this.key = masterKey === null ? null : scryptSync(masterKey, 'ccmon secret box v1', 32);
  }

  get encrypts(): boolean {
    return this.key !== null;
  }

  seal(secret: string): string {
    if (this.key === null) return PLAIN + secret;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return SEALED + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  open(sealed: string): string {
    if (sealed.startsWith(PLAIN)) return sealed.slice(PLAIN.length);
    if (!sealed.startsWith(SEALED)) throw new Error('a stored secret has an unknown format');
    if (this.key === null) {
      throw new Error('the stored secret keys are encrypted: set CCMON_MASTER_KEY to the master key');
    }
    const raw = Buffer.from(sealed.slice(SEALED.length), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    try {
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      throw new Error('CCMON_MASTER_KEY does not open the stored secret keys (wrong master key?)');
    }
  }
}
