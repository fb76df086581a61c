// Seed data for each Item's accounts and transaction history, as tables. Names, masks and subtypes
// follow Plaid Sandbox's own test accounts ("Plaid Checking" 0000, "Plaid Saving" 1111, "Plaid
// Credit Card" 3333); merchants and categories use Plaid's personal_finance_category taxonomy.

export type AccountSeed = {
  key: 'checking' | 'savings' | 'credit';
  name: string;
  official_name: string;
  mask: string;
  type: 'depository' | 'credit';
  subtype: 'checking' | 'savings' | 'credit card';
  /** Balance ranges in minor units; credit cards carry a limit. */
  current: [number, number];
  limit: number | null;
};

export const ACCOUNT_SEEDS: readonly AccountSeed[] = [
  { key: 'checking', name: 'Plaid Checking', official_name: 'Plaid Gold Standard 0% Interest Checking', mask: '0000', type: 'depository', subtype: 'checking', current: [80_000, 450_000], limit: null },
  { key: 'savings', name: 'Plaid Saving', official_name: 'Plaid Silver Standard 0.1% Interest Saving', mask: '1111', type: 'depository', subtype: 'savings', current: [500_000, 2_500_000], limit: null },
  { key: 'credit', name: 'Plaid Credit Card', official_name: 'Plaid Diamond 12.5% APR Interest Credit Card', mask: '3333', type: 'credit', subtype: 'credit card', current: [20_000, 180_000], limit: 500_000 },
];

/** The ISO-4217 currency of an institution's first country (EUR for the euro-area ones). */
export const COUNTRY_CURRENCY: Readonly<Record<string, string>> = { US: 'USD', CA: 'CAD', GB: 'GBP', DK: 'DKK', NO: 'NOK', SE: 'SEK', PL: 'PLN' };
export const DEFAULT_CURRENCY = 'EUR';

export type MerchantSeed = {
  name: string;
  merchant_name: string | null;
  channel: 'online' | 'in store' | 'other';
  category: [primary: string, detailed: string];
  /** Plaid amount range in minor units: positive = money out of the account. */
  amount: [number, number];
  account: AccountSeed['key'];
  /** Every this many days (recurring), else a random day; `count` occurrences in 60 days. */
  everyDays?: number;
  count: number;
};

export const MERCHANT_SEEDS: readonly MerchantSeed[] = [
  { name: 'GUSTO PAY 123456 PPD ID: 1234567890', merchant_name: 'Gusto', channel: 'other', category: ['INCOME', 'INCOME_WAGES'], amount: [-310_000, -310_000], account: 'checking', everyDays: 14, count: 4 },
  { name: 'RENT PAYMENT - OAKWOOD APTS', merchant_name: null, channel: 'other', category: ['RENT_AND_UTILITIES', 'RENT_AND_UTILITIES_RENT'], amount: [165_000, 165_000], account: 'checking', everyDays: 30, count: 2 },
  { name: 'PG&E WEB ONLINE', merchant_name: 'PG&E', channel: 'online', category: ['RENT_AND_UTILITIES', 'RENT_AND_UTILITIES_GAS_AND_ELECTRICITY'], amount: [6_000, 14_000], account: 'checking', everyDays: 30, count: 2 },
  { name: 'CREDIT CARD 3333 PAYMENT *//', merchant_name: null, channel: 'other', category: ['LOAN_PAYMENTS', 'LOAN_PAYMENTS_CREDIT_CARD_PAYMENT'], amount: [25_000, 60_000], account: 'checking', everyDays: 30, count: 2 },
  { name: 'Touchstone Climbing', merchant_name: 'Touchstone', channel: 'in store', category: ['PERSONAL_CARE', 'PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS'], amount: [7_800, 7_800], account: 'checking', everyDays: 30, count: 2 },
  { name: 'INTRST PYMNT', merchant_name: null, channel: 'other', category: ['INCOME', 'INCOME_INTEREST_EARNED'], amount: [-900, -300], account: 'savings', everyDays: 30, count: 2 },
  { name: 'ONLINE TRANSFER FROM CHK ...0000', merchant_name: null, channel: 'online', category: ['TRANSFER_IN', 'TRANSFER_IN_SAVINGS'], amount: [-50_000, -20_000], account: 'savings', everyDays: 30, count: 2 },
  { name: 'Starbucks', merchant_name: 'Starbucks', channel: 'in store', category: ['FOOD_AND_DRINK', 'FOOD_AND_DRINK_COFFEE'], amount: [395, 1_275], account: 'credit', count: 8 },
  { name: 'Uber 063015 SF**POOL**', merchant_name: 'Uber', channel: 'online', category: ['TRANSPORTATION', 'TRANSPORTATION_TAXIS_AND_RIDE_SHARES'], amount: [650, 3_400], account: 'credit', count: 5 },
  { name: "McDonald's", merchant_name: "McDonald's", channel: 'in store', category: ['FOOD_AND_DRINK', 'FOOD_AND_DRINK_FAST_FOOD'], amount: [612, 1_450], account: 'credit', count: 4 },
  { name: 'WHOLEFDS MKT 10155', merchant_name: 'Whole Foods Market', channel: 'in store', category: ['FOOD_AND_DRINK', 'FOOD_AND_DRINK_GROCERIES'], amount: [2_350, 14_800], account: 'credit', count: 5 },
  { name: 'SHELL OIL 57444', merchant_name: 'Shell', channel: 'in store', category: ['TRANSPORTATION', 'TRANSPORTATION_GAS'], amount: [3_100, 6_900], account: 'credit', count: 3 },
  { name: 'SparkFun', merchant_name: 'SparkFun', channel: 'online', category: ['GENERAL_MERCHANDISE', 'GENERAL_MERCHANDISE_ELECTRONICS'], amount: [1_999, 8_995], account: 'credit', count: 2 },
  { name: 'United Airlines', merchant_name: 'United Airlines', channel: 'online', category: ['TRAVEL', 'TRAVEL_FLIGHTS'], amount: [18_940, 61_220], account: 'credit', count: 1 },
  { name: 'AMAZON MKTPL*2K4L19', merchant_name: 'Amazon', channel: 'online', category: ['GENERAL_MERCHANDISE', 'GENERAL_MERCHANDISE_ONLINE_MARKETPLACES'], amount: [1_299, 7_450], account: 'credit', count: 4 },
];

/** Days of history seeded; the newest card purchases (this many) are still pending. */
export const HISTORY_DAYS = 60;
export const PENDING_COUNT = 3;

/**
 * The numbers the "tricky numbers" control writes raw into the next answer: float artefacts, an
 * exponent, negative zero, and an 8-decimal unofficial (crypto) currency amount.
 */
export const TRICKY_NUMBERS: ReadonlyArray<{ number: string; unofficial_currency_code?: string }> = [
  { number: '0.30000000000000004' },
  { number: '1e21' },
  { number: '-0' },
  { number: '0.12345678', unofficial_currency_code: 'BTC' },
];
