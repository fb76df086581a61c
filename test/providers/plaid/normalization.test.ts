// Plaid item errors -> ConnectionStatus: every ITEM_ERROR, INSTITUTION_ERROR and API_ERROR code in
// specs/plaid/REFERENCE.md is mapped on purpose; anything else is UNKNOWN with the raw code kept.
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CONNECTION_STATUSES, type ConnectionStatus } from '../../../src/domain/connection.js';
import { startPlaidEmulator, type PlaidEmulator } from '../../../src/emulators/plaid/server.js';
import type { UnknownCodeReporter } from '../../../src/providers/normalize.js';
import { onceReporter } from '../../../src/providers/unknown-values.js';
import { createPlaidAdapter, plaidItemStatus, type PlaidAdapter } from '../../../src/providers/plaid/index.js';
import { PLAID_ERROR_CODE_STATUS, PLAID_ERROR_TYPE_STATUS } from '../../../src/providers/plaid/status.js';
import type { ConnectionRef } from '../../../src/providers/provider.js';
import { specPath } from '../../helpers/specs.js';

/** The table tests look at statuses; unmapped-value reports are tested below. */
const ignoreUnknown = () => {};

const REFERENCE = readFileSync(specPath('plaid/REFERENCE.md'), 'utf8');

/** The `error_code` column of the first table in the section whose heading starts with `### <n> `. */
function sectionCodes(n: string): string[] {
  const start = REFERENCE.indexOf(`\n### ${n} `);
  if (start < 0) throw new Error(`REFERENCE.md has no section ${n}`);
  const end = REFERENCE.indexOf('\n### ', start + 1);
  const body = REFERENCE.slice(start, end < 0 ? undefined : end);
  return [...body.matchAll(/^\| `([A-Z][A-Z0-9_]+)`/gm)].map((m) => m[1]!);
}

const byCode: Partial<Record<string, ConnectionStatus>> = PLAID_ERROR_CODE_STATUS;
const byType: Partial<Record<string, ConnectionStatus>> = PLAID_ERROR_TYPE_STATUS;

const SECTIONS = [
  { section: '3.3', errorType: 'ITEM_ERROR', min: 25 },
  { section: '3.5', errorType: 'INSTITUTION_ERROR', min: 8 },
  { section: '3.6', errorType: 'API_ERROR', min: 2 },
] as const;

/**
 * Codes deliberately left to PLAID_ERROR_TYPE_STATUS instead of a row of their own. Empty today:
 * every listed code has its own row. A code put here must be of a type with a fallback row.
 */
const COVERED_BY_TYPE_ROW: ReadonlyArray<{ code: string; errorType: string }> = [];

describe('Plaid error code tables', () => {
  it.each(SECTIONS)('parses REFERENCE.md section $section ($errorType)', ({ section, min }) => {
    const codes = sectionCodes(section);
    expect(codes.length).toBeGreaterThanOrEqual(min);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it.each(SECTIONS)('maps every $errorType code of section $section on purpose', ({ section, errorType }) => {
    const unmapped: string[] = [];
    for (const code of sectionCodes(section)) {
      const row = byCode[code];
      const exempt = COVERED_BY_TYPE_ROW.some((e) => e.code === code && e.errorType === errorType);
      if (!row && !(exempt && byType[errorType])) unmapped.push(code);
      const status = plaidItemStatus({ error_type: errorType, error_code: code }, ignoreUnknown);
      expect(CONNECTION_STATUSES).toContain(status);
      expect(status, code).not.toBe('UNKNOWN');
      expect(status, code).toBe(row ?? byType[errorType]);
    }
    expect(unmapped).toEqual([]);
  });

  it('has no row for a code the reference does not name (typos would silently never match)', () => {
    const named = new Set([...REFERENCE.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!));
    expect(Object.keys(PLAID_ERROR_CODE_STATUS).filter((c) => !named.has(c))).toEqual([]);
    for (const s of Object.values(PLAID_ERROR_CODE_STATUS)) expect(CONNECTION_STATUSES).toContain(s);
  });

  it('lists type fallbacks only for the types whose every code is transient at that layer', () => {
    expect(PLAID_ERROR_TYPE_STATUS).toEqual({ INSTITUTION_ERROR: 'INSTITUTION_ERROR', API_ERROR: 'PROVIDER_ERROR' });
    // ITEM_ERROR has no fallback: an unknown item code must surface as UNKNOWN, not a guess.
    expect(byType['ITEM_ERROR']).toBeUndefined();
  });
});

/**
 * The oracle, written by hand from REFERENCE.md 3.3/3.5/3.6 (the "Re-auth" column) and contract
 * section 3, never read from the table under test: UM / LINK -> LOGIN_REQUIRED; INST->UM ->
 * USER_ACTION_REQUIRED; NEW -> DISCONNECTED; a product-call code with no user action -> CONNECTED
 * (the login works); institution outages -> INSTITUTION_ERROR; Plaid failing -> PROVIDER_ERROR.
 */
const EXPECTED: Record<string, readonly [errorType: string, status: ConnectionStatus]> = {
  ACCESS_NOT_GRANTED: ['ITEM_ERROR', 'LOGIN_REQUIRED'],
  INSTANT_MATCH_FAILED: ['ITEM_ERROR', 'CONNECTED'],
  INSUFFICIENT_CREDENTIALS: ['ITEM_ERROR', 'LOGIN_REQUIRED'],
  INVALID_CREDENTIALS: ['ITEM_ERROR', 'LOGIN_REQUIRED'],
  INVALID_MFA: ['ITEM_ERROR', 'LOGIN_REQUIRED'],
  INVALID_SEND_METHOD: ['ITEM_ERROR', 'LOGIN_REQUIRED'],
  INVALID_PHONE_NUMBER: ['ITEM_ERROR', 'LOGIN_REQUIRED'],
  INVALID_OTP: ['ITEM_ERROR', 'LOGIN_REQUIRED'],
  INVALID_UPDATED_USERNAME: ['ITEM_ERROR', 'LOGIN_REQUIRED'],
  ITEM_CONCURRENTLY_DELETED: ['ITEM_ERROR', 'DISCONNECTED'],
  ITEM_LOCKED: ['ITEM_ERROR', 'USER_ACTION_REQUIRED'],
  ITEM_LOGIN_REQUIRED: ['ITEM_ERROR', 'LOGIN_REQUIRED'],
  ITEM_NOT_FOUND: ['ITEM_ERROR', 'DISCONNECTED'],
  ITEM_NOT_SUPPORTED: ['ITEM_ERROR', 'DISCONNECTED'],
  MANUAL_VERIFICATION_REQUIRED: ['ITEM_ERROR', 'USER_ACTION_REQUIRED'],
  MFA_NOT_SUPPORTED: ['ITEM_ERROR', 'DISCONNECTED'],
  NO_ACCOUNTS: ['ITEM_ERROR', 'LOGIN_REQUIRED'],
  NO_AUTH_ACCOUNTS: ['ITEM_ERROR', 'LOGIN_REQUIRED'],
  NO_INVESTMENT_ACCOUNTS: ['ITEM_ERROR', 'USER_ACTION_REQUIRED'],
  NO_INVESTMENT_AUTH_ACCOUNTS: ['ITEM_ERROR', 'USER_ACTION_REQUIRED'],
  NO_LIABILITY_ACCOUNTS: ['ITEM_ERROR', 'USER_ACTION_REQUIRED'],
  PASSWORD_RESET_REQUIRED: ['ITEM_ERROR', 'USER_ACTION_REQUIRED'],
  PRODUCT_NOT_ENABLED: ['ITEM_ERROR', 'CONNECTED'],
  PRODUCT_NOT_READY: ['ITEM_ERROR', 'CONNECTED'],
  PRODUCTS_NOT_SUPPORTED: ['ITEM_ERROR', 'CONNECTED'],
  USER_SETUP_REQUIRED: ['ITEM_ERROR', 'USER_ACTION_REQUIRED'],
  USER_INPUT_TIMEOUT: ['ITEM_ERROR', 'LOGIN_REQUIRED'],
  ITEM_NO_ERROR: ['ITEM_ERROR', 'CONNECTED'],
  INSTITUTION_DOWN: ['INSTITUTION_ERROR', 'INSTITUTION_ERROR'],
  INSTITUTION_NOT_ENABLED_IN_ENVIRONMENT: ['INSTITUTION_ERROR', 'INSTITUTION_ERROR'],
  INSTITUTION_NOT_RESPONDING: ['INSTITUTION_ERROR', 'INSTITUTION_ERROR'],
  INSTITUTION_NOT_AVAILABLE: ['INSTITUTION_ERROR', 'INSTITUTION_ERROR'],
  INSTITUTION_NO_LONGER_SUPPORTED: ['INSTITUTION_ERROR', 'DISCONNECTED'],
  UNAUTHORIZED_INSTITUTION: ['INSTITUTION_ERROR', 'INSTITUTION_ERROR'],
  INSTITUTION_REGISTRATION_REQUIRED: ['INSTITUTION_ERROR', 'INSTITUTION_ERROR'],
  UNSUPPORTED_RESPONSE: ['INSTITUTION_ERROR', 'INSTITUTION_ERROR'],
  INTERNAL_SERVER_ERROR: ['API_ERROR', 'PROVIDER_ERROR'],
  PLANNED_MAINTENANCE: ['API_ERROR', 'PROVIDER_ERROR'],
};

describe('every Plaid item/institution/API code against the hand-written expectation', () => {
  it('the expectation names exactly the codes of REFERENCE.md 3.3, 3.5 and 3.6 (plus the legacy ITEM_NO_ERROR)', () => {
    const listed = SECTIONS.flatMap(({ section }) => sectionCodes(section));
    expect(Object.keys(EXPECTED).sort()).toEqual([...new Set([...listed, 'ITEM_NO_ERROR'])].sort());
  });

  it.each(Object.entries(EXPECTED))('%s -> %j', (code, [errorType, status]) => {
    expect(plaidItemStatus({ error_type: errorType, error_code: code }, ignoreUnknown)).toBe(status);
  });
});

describe('contract section 3 rows (Plaid)', () => {
  const rows: Array<[string, string, ConnectionStatus]> = [
    ['ITEM_ERROR', 'ITEM_LOGIN_REQUIRED', 'LOGIN_REQUIRED'],
    ['ITEM_ERROR', 'INVALID_CREDENTIALS', 'LOGIN_REQUIRED'],
    ['ITEM_ERROR', 'INVALID_MFA', 'LOGIN_REQUIRED'],
    ['ITEM_ERROR', 'INSUFFICIENT_CREDENTIALS', 'LOGIN_REQUIRED'],
    ['ITEM_ERROR', 'ACCESS_NOT_GRANTED', 'LOGIN_REQUIRED'],
    ['ITEM_ERROR', 'NO_ACCOUNTS', 'LOGIN_REQUIRED'],
    ['ITEM_ERROR', 'INVALID_UPDATED_USERNAME', 'LOGIN_REQUIRED'],
    ['ITEM_ERROR', 'ITEM_LOCKED', 'USER_ACTION_REQUIRED'],
    ['ITEM_ERROR', 'USER_SETUP_REQUIRED', 'USER_ACTION_REQUIRED'],
    ['ITEM_ERROR', 'PASSWORD_RESET_REQUIRED', 'USER_ACTION_REQUIRED'],
    ['INSTITUTION_ERROR', 'INSTITUTION_DOWN', 'INSTITUTION_ERROR'],
    ['INSTITUTION_ERROR', 'INSTITUTION_NOT_RESPONDING', 'INSTITUTION_ERROR'],
    ['INSTITUTION_ERROR', 'INSTITUTION_NO_LONGER_SUPPORTED', 'DISCONNECTED'],
    // error_type INSTITUTION_ERROR / API_ERROR hold for codes newer than the reference too.
    ['INSTITUTION_ERROR', 'INSTITUTION_SOMETHING_NEW', 'INSTITUTION_ERROR'],
    ['API_ERROR', 'INTERNAL_SERVER_ERROR', 'PROVIDER_ERROR'],
    ['API_ERROR', 'PLANNED_MAINTENANCE', 'PROVIDER_ERROR'],
    ['API_ERROR', 'API_SOMETHING_NEW', 'PROVIDER_ERROR'],
    // Sources differ on USER_PERMISSION_REVOKED's type (REFERENCE 3.7): both are DISCONNECTED.
    ['ITEM_ERROR', 'USER_PERMISSION_REVOKED', 'DISCONNECTED'],
    ['INVALID_INPUT', 'USER_PERMISSION_REVOKED', 'DISCONNECTED'],
    ['ITEM_ERROR', 'ITEM_NOT_FOUND', 'DISCONNECTED'],
  ];
  it.each(rows)('%s %s -> %s', (errorType, code, status) => {
    expect(plaidItemStatus({ error_type: errorType, error_code: code }, ignoreUnknown)).toBe(status);
  });

  it('an item with error: null is CONNECTED', () => {
    expect(plaidItemStatus(null, ignoreUnknown)).toBe('CONNECTED');
    expect(plaidItemStatus(undefined, ignoreUnknown)).toBe('CONNECTED');
  });
});

describe('unknown Plaid codes, read through the adapter from the emulator', () => {
  let emu: PlaidEmulator;
  let adapter: PlaidAdapter;
  let ref: ConnectionRef;
  const warnings: Array<Parameters<UnknownCodeReporter>[0]> = [];
  const report = onceReporter((w) => warnings.push(w));

  beforeAll(async () => {
    emu = await startPlaidEmulator({ clientId: 'norm-client', secret: 'norm-secret-91ab' });
    adapter = createPlaidAdapter({ clientId: 'norm-client', secret: 'norm-secret-91ab', env: 'sandbox', baseUrl: emu.url, retry: { retries: 0 }, unknownValueReporter: (w) => warnings.push(w) });
    const lt = await adapter.createLinkToken({
      userId: 'user-n1', products: ['transactions'], redirectUri: null, androidPackageName: null,
      language: 'en', countryCodes: ['US'], webhookUrl: 'https://gw.example/webhooks/plaid',
    });
    const ex = await adapter.exchangePublicToken({ publicToken: emu.completeLink(lt.token).public_token, userId: 'user-n1' });
    ref = { providerConnectionId: ex.providerConnectionId, credential: ex.credential };
  });
  afterEach(() => {
    warnings.length = 0;
  });
  afterAll(async () => {
    await adapter?.close();
    await emu?.close();
  });

  it('an unknown ITEM_ERROR code is UNKNOWN, keeps the raw error and warns once per code', async () => {
    const code = 'ITEM_BRAND_NEW_CODE_A1';
    emu.setItemError(ref.providerConnectionId, {
      error_type: 'ITEM_ERROR', error_code: code, error_message: 'something new', display_message: 'Please try later',
    });
    for (let i = 0; i < 3; i++) {
      const s = await adapter.getConnection(ref);
      expect(s.status).toBe('UNKNOWN');
      expect(s.error).toEqual({ providerCode: code, providerType: 'ITEM_ERROR', message: 'something new', displayMessage: 'Please try later' });
      expect(s.institution?.id).toBe('ins_109508'); // the rest of the state still comes through
    }
    expect(warnings).toEqual([{ provider: 'PLAID', code, context: expect.stringContaining('ITEM_ERROR') }]);
    // A second unknown code is a new warning.
    expect(plaidItemStatus({ error_type: 'ITEM_ERROR', error_code: 'ITEM_BRAND_NEW_CODE_B2' }, report)).toBe('UNKNOWN');
    expect(warnings.map((w) => w.code)).toEqual([code, 'ITEM_BRAND_NEW_CODE_B2']);
  });

  it('an unknown error_type is UNKNOWN too', () => {
    expect(plaidItemStatus({ error_type: 'SOME_NEW_TYPE', error_code: 'WHATEVER_C3' }, report)).toBe('UNKNOWN');
    expect(warnings.map((w) => w.code)).toEqual(['WHATEVER_C3']);
  });

  it('known codes and type fallbacks do not warn', async () => {
    emu.setItemError(ref.providerConnectionId, { error_type: 'INSTITUTION_ERROR', error_code: 'INSTITUTION_NEVER_HEARD_OF' });
    expect((await adapter.getConnection(ref)).status).toBe('INSTITUTION_ERROR');
    emu.setItemError(ref.providerConnectionId, { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED' });
    const s = await adapter.getConnection(ref);
    expect(s.status).toBe('LOGIN_REQUIRED');
    expect(s.error?.providerCode).toBe('ITEM_LOGIN_REQUIRED');
    emu.setItemError(ref.providerConnectionId, null);
    expect(await adapter.getConnection(ref)).toMatchObject({ status: 'CONNECTED', error: null });
    expect(warnings).toEqual([]);
  });
});
