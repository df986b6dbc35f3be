import { z } from 'zod';

/**
 * Login material for remote hosts (SSH / WinRM): a named profile that many
 * hosts share, or one host's inline credential. The material itself (password,
 * private key, passphrase) lives only in the secret store; rows and responses
 * carry the user name and the kind of authentication.
 *
 * Validation messages are fixed strings: a rejected value never appears in an
 * error (zod's own messages name types and limits, not values).
 */

const privateKeyBlock =
  /^-----BEGIN ((?:RSA |DSA |EC |OPENSSH |ENCRYPTED )?PRIVATE KEY)-----\r?\n[A-Za-z0-9+/=:,\-\s]+?\r?\n-----END \1-----$/;

/** A PEM (PKCS#1, PKCS#8, SEC1, encrypted PKCS#8 / legacy) or OpenSSH private key block. */
export function looksLikePrivateKey(text: string): boolean {
  return privateKeyBlock.test(text.trim());
}

export const usernameSchema = z.string().trim().min(1).max(256);
export const passwordSchema = z.string().min(1).max(1024);
export const privateKeySchema = z
  .string()
  .max(16 * 1024)
  .refine(looksLikePrivateKey, { message: 'must be a PEM or OpenSSH private key (-----BEGIN ... PRIVATE KEY-----)' })
  .transform((key) => `${key.trim()}\n`);
export const passphraseSchema = z.string().min(1).max(1024);

const materialShape = {
  username: usernameSchema,
  password: passwordSchema.optional(),
  privateKey: privateKeySchema.optional(),
  passphrase: passphraseSchema.optional(),
};

type Material = { password?: string | undefined; privateKey?: string | undefined; passphrase?: string | undefined };

function checkMaterial(value: Material, ctx: z.RefinementCtx): void {
  if (value.password === undefined && value.privateKey === undefined) {
    ctx.addIssue({ code: 'custom', message: 'password or privateKey is required', path: ['password'] });
  }
  if (value.passphrase !== undefined && value.privateKey === undefined) {
    ctx.addIssue({ code: 'custom', message: 'passphrase is only allowed with privateKey', path: ['passphrase'] });
  }
}

/** An inline credential on a host: `{username, password?, privateKey?, passphrase?}`. */
export const credentialMaterialSchema = z.strictObject(materialShape).superRefine(checkMaterial);

export type CredentialMaterial = z.output<typeof credentialMaterialSchema>;

/** POST /api/credentials */
export const createCredentialSchema = z
  .strictObject({ name: z.string().trim().min(1).max(200), ...materialShape })
  .superRefine(checkMaterial);

export type CreateCredentialInput = z.output<typeof createCredentialSchema>;

export type AuthType = 'password' | 'privateKey' | 'both';

export function authTypeOf(material: Material): AuthType {
  if (material.password !== undefined && material.privateKey !== undefined) return 'both';
  return material.privateKey !== undefined ? 'privateKey' : 'password';
}

/** The secret record: what a collector needs to log in, nothing else. */
export function toSecret(material: CredentialMaterial): Record<string, string> {
  return {
    username: material.username,
    ...(material.password !== undefined ? { password: material.password } : {}),
    ...(material.privateKey !== undefined ? { privateKey: material.privateKey } : {}),
    ...(material.passphrase !== undefined ? { passphrase: material.passphrase } : {}),
  };
}

/** A credential profile as stored. The material is in the secret store under `credential/<id>`. */
export interface CredentialProfile {
  id: string;
  name: string;
  username: string;
  authType: AuthType;
  createdAt: string;
  updatedAt: string;
}

export const credentialViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  username: z.string(),
  authType: z.enum(['password', 'privateKey', 'both']),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export type CredentialView = z.infer<typeof credentialViewSchema>;

/** Field by field, so nothing stored on the row beyond the metadata can ever leak into a response. */
export function toCredentialView(profile: CredentialProfile): CredentialView {
  return {
    id: profile.id,
    name: profile.name,
    username: profile.username,
    authType: profile.authType,
    createdAt: profile.createdAt,
    updatedAt: profile.updatedAt,
  };
}
