/**
 * @module apiserver/authn/token-file
 *
 * Static bearer tokens from a CSV file, upstream's `--token-auth-file`:
 *
 *     token,user,uid,"group1,group2"
 *
 * At least three columns (token, user name, uid; uid may be empty); the optional fourth is a
 * comma-separated group list, quoted because it contains commas; further columns are ignored.
 * As upstream: a record with an empty token is skipped with a warning, a repeated token takes the
 * later record's identity (warning too), and the file is read once, at start.
 * Stricter than upstream: an empty user name is an error (it would authenticate a nameless user),
 * and empty entries in the group list are dropped (upstream would add a group named "").
 *
 * Tokens are kept only as SHA-256 digests: lookup time then does not depend on how much of a
 * guessed token matches a real one, and a heap dump does not hand out credentials.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { TokenAuthenticator, UserInfo } from './authenticator.js';
import { CsvSyntaxError, parseCsv } from './csv.js';
import { AuthnConfigError } from './errors.js';

export interface TokenFile {
  readonly authenticator: TokenAuthenticator;
  /** How many distinct tokens the file defines. */
  readonly size: number;
  /** Problems upstream also tolerates (empty or duplicate tokens), for the start-up log. */
  readonly warnings: readonly string[];
}

export async function loadTokenFile(path: string): Promise<TokenFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new AuthnConfigError('InvalidTokenFile', path, undefined, 'cannot be read', cause);
  }
  return parseTokenFile(text, path);
}

/** Parses token-file text; `source` names it in errors and warnings. */
export function parseTokenFile(text: string, source: string): TokenFile {
  let records;
  try {
    records = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvSyntaxError) throw new AuthnConfigError('InvalidTokenFile', source, err.line, err.message);
    throw err;
  }
  const users = new Map<string, UserInfo>();
  const warnings: string[] = [];
  for (const { line, fields } of records) {
    const [token, name, uid, groups] = fields;
    if (token === undefined || name === undefined || uid === undefined) {
      throw new AuthnConfigError(
        'InvalidTokenFile',
        source,
        line,
        `must have at least 3 columns (token, user name, user uid), found ${fields.length}`,
      );
    }
    if (token === '') {
      warnings.push(`token file ${source} line ${line}: empty token, record ignored`);
      continue;
    }
    if (name === '') throw new AuthnConfigError('InvalidTokenFile', source, line, 'empty user name');
    const digest = digestOf(token);
    if (users.has(digest)) warnings.push(`token file ${source} line ${line}: duplicate token, this record wins`);
    users.set(digest, {
      name,
      ...(uid === '' ? {} : { uid }),
      groups: groups === undefined ? [] : groups.split(',').filter((g) => g !== ''),
    });
  }
  return {
    authenticator: {
      async authenticateToken(token: string): Promise<UserInfo | undefined> {
        return users.get(digestOf(token));
      },
    },
    size: users.size,
    warnings,
  };
}

function digestOf(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
