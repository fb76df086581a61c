// Sandbox institutions the emulator knows (ids and names from Plaid's Sandbox docs; see
// specs/plaid/REFERENCE.md 2.5). Logos are generated 152x152 solid PNGs, so clients get a real image.
import { deflateSync } from 'node:zlib';

export type SandboxInstitution = {
  institution_id: string;
  name: string;
  products: string[];
  country_codes: string[];
  routing_numbers: string[];
  oauth: boolean;
  url: string;
  primary_color: string;
  /** Days of access consent granted at link time (EU/UK OAuth institutions); null = no expiry. */
  consentDays: number | null;
};

const US_PRODUCTS = ['assets', 'auth', 'balance', 'identity', 'identity_match', 'investments', 'liabilities', 'transactions', 'recurring_transactions', 'signal', 'statements', 'income_verification', 'employment'];

export const SANDBOX_INSTITUTIONS: readonly SandboxInstitution[] = [
  { institution_id: 'ins_109508', name: 'First Platypus Bank', products: US_PRODUCTS, country_codes: ['US'], routing_numbers: ['011000138'], oauth: false, url: 'https://www.platypus.example', primary_color: '#1f6fb2', consentDays: null },
  { institution_id: 'ins_109509', name: 'First Gingham Credit Union', products: US_PRODUCTS, country_codes: ['US'], routing_numbers: ['011000028'], oauth: false, url: 'https://www.gingham.example', primary_color: '#b21f5a', consentDays: null },
  { institution_id: 'ins_109510', name: 'Tattersall Federal Credit Union', products: US_PRODUCTS, country_codes: ['US'], routing_numbers: ['011000015'], oauth: false, url: 'https://www.tattersall.example', primary_color: '#2f8f46', consentDays: null },
  { institution_id: 'ins_109511', name: 'Tartan Bank', products: US_PRODUCTS, country_codes: ['US'], routing_numbers: ['021000021'], oauth: false, url: 'https://www.tartan.example', primary_color: '#8f2f2f', consentDays: null },
  { institution_id: 'ins_109512', name: 'Houndstooth Bank', products: ['auth', 'balance', 'identity', 'transactions'], country_codes: ['US'], routing_numbers: ['011401533'], oauth: false, url: 'https://www.houndstooth.example', primary_color: '#333333', consentDays: null },
  { institution_id: 'ins_43', name: 'Tartan-Dominion Bank of Canada', products: ['assets', 'auth', 'balance', 'identity', 'transactions'], country_codes: ['CA'], routing_numbers: [], oauth: false, url: 'https://www.tartan-dominion.example', primary_color: '#c8102e', consentDays: null },
  { institution_id: 'ins_127287', name: 'Platypus OAuth Bank', products: US_PRODUCTS, country_codes: ['US'], routing_numbers: ['011000138'], oauth: true, url: 'https://www.platypus-oauth.example', primary_color: '#1f6fb2', consentDays: null },
  { institution_id: 'ins_117650', name: 'Royal Bank of Plaid', products: ['auth', 'balance', 'identity', 'transactions', 'payment_initiation'], country_codes: ['GB'], routing_numbers: [], oauth: true, url: 'https://www.royalbankofplaid.example', primary_color: '#0a2f5c', consentDays: 90 },
];

export function findInstitution(id: string): SandboxInstitution | undefined {
  return SANDBOX_INSTITUTIONS.find((i) => i.institution_id === id);
}

// --- minimal PNG encoder (RGB, no filter) -------------------------------------------------------
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([len, typed, crc]);
}

function solidPng(hex: string, size = 152): Buffer {
  const r = parseInt(hex.slice(1, 3), 16);
  const g = parseInt(hex.slice(3, 5), 16);
  const b = parseInt(hex.slice(5, 7), 16);
  const row = Buffer.alloc(1 + size * 3);
  for (let x = 0; x < size; x++) row.set([r, g, b], 1 + x * 3);
  const raw = Buffer.concat(Array.from({ length: size }, () => row));
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit depth, truecolour RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const logoCache = new Map<string, string>();
/** Base64 PNG logo, as Plaid returns it with include_optional_metadata. */
export function institutionLogo(inst: SandboxInstitution): string {
  let logo = logoCache.get(inst.institution_id);
  if (!logo) {
    logo = solidPng(inst.primary_color).toString('base64');
    logoCache.set(inst.institution_id, logo);
  }
  return logo;
}
