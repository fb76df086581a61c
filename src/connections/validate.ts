import { isIPv4 } from 'node:net';
import { z } from 'zod';
import { InvalidInputError } from './errors.js';

// Input the gateway can judge itself is refused before any provider call (contract section 1).

/**
 * Loopback as the URL parser leaves the host: IPv4 literals are canonical dotted quads by then
 * (127.1 and 0x7f.0.0.1 become 127.0.0.1), so 127.0.0.0/8 is "an IPv4 literal starting 127.";
 * a name such as 127.attacker.example is not.
 */
function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || (isIPv4(hostname) && hostname.startsWith('127.'));
}

export function checkRedirectUri(value: string | null | undefined, field = 'redirectUri'): string | null {
  if (value === null || value === undefined) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidInputError(`${field} must be an absolute URI.`, field);
  }
  const ok = url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
  if (!ok) throw new InvalidInputError(`${field} must use https (http only on loopback).`, field);
  if (url.search || url.hash) throw new InvalidInputError(`${field} must not have a query string or fragment.`, field);
  if (value.length > 2048) throw new InvalidInputError(`${field} is too long.`, field);
  return value;
}

const languageSchema = z.string().regex(/^[a-z]{2}(-[A-Za-z]{2,4})?$/);
export function checkLanguage(value: string | null | undefined): string {
  if (value === null || value === undefined) return 'en';
  if (!languageSchema.safeParse(value).success) throw new InvalidInputError('language must be a language code such as "en".', 'language');
  return value;
}

export function checkCountryCodes(value: readonly string[] | null | undefined, allowed: readonly string[]): string[] {
  if (value === null || value === undefined || value.length === 0) return ['US'];
  if (value.length > 30 || !value.every((c) => /^[A-Z]{2}$/.test(c))) {
    throw new InvalidInputError('countryCodes must be ISO-3166-1 alpha-2 codes such as "US".', 'countryCodes');
  }
  const unsupported = value.filter((c) => !allowed.includes(c));
  if (unsupported.length) {
    throw new InvalidInputError(`Country code(s) this provider does not support: ${unsupported.join(', ')} (supported: ${allowed.join(', ')}).`, 'countryCodes');
  }
  return [...new Set(value)];
}

export function checkProducts(value: readonly string[], allowed: readonly string[]): string[] {
  if (value.length === 0) throw new InvalidInputError('products must name at least one product.', 'products');
  if (value.length > 50) throw new InvalidInputError('products has too many entries.', 'products');
  const unknown = value.filter((p) => !allowed.includes(p));
  if (unknown.length) {
    throw new InvalidInputError(`Unknown product(s) for this provider: ${unknown.slice(0, 5).map((p) => JSON.stringify(p.slice(0, 40))).join(', ')}.`, 'products');
  }
  return [...new Set(value)];
}

export function checkAndroidPackageName(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (!/^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$/.test(value) || value.length > 255) {
    throw new InvalidInputError('androidPackageName must be a package name such as "com.example.app".', 'androidPackageName');
  }
  return value;
}

export function checkToken(value: string, field: string): string {
  const v = value.trim();
  if (v.length === 0) throw new InvalidInputError(`${field} must not be empty.`, field);
  if (v.length > 4096) throw new InvalidInputError(`${field} is too long.`, field);
  return v;
}
