import { createClient, type Client } from 'graphql-sse';
import type { ErrorCode, Provider } from './generated/graphql.js';

/** A typed document string from src/generated (its result and variables types travel with it). */
export interface TypedDocument<R, V> {
  toString(): string;
  __apiType?: (variables: V) => R;
}

/** Codes of `Error` members of mutation results, plus what a transport or the caller can cause. */
export type GatewayErrorCode = ErrorCode | 'UNAUTHENTICATED' | 'CANCELLED' | 'NETWORK' | 'GRAPHQL';

/** Every failure the kit reports: a typed code and a message (the gateway's own, when it sent one). */
export class GatewayError extends Error {
  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    /** Extra fields of the gateway's error object (field, provider, providerCode, retryAfterSeconds ...). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'GatewayError';
  }
}

/** Path of the gateway's demo-mode widget completion (it exists only in demo mode). */
export const DEMO_COMPLETE_PATH = '/demo/link/complete';

export interface GatewayClientOptions {
  /** The gateway's base URL, e.g. https://gateway.example.com (GraphQL is at /graphql below it). */
  url: string;
  /** Returns the caller's bearer token (a JWT); called before every request and subscription. */
  getToken: () => Promise<string> | string;
}

export interface GatewayClient {
  request<R, V>(doc: TypedDocument<R, V>, variables?: V): Promise<R>;
  /** Subscribe over Server-Sent Events with the bearer header; returns the unsubscribe function. */
  subscribe<R, V>(doc: TypedDocument<R, V>, variables: V, onData: (data: R) => void, onError?: (e: GatewayError) => void): () => void;
  /** Demo mode: finish a widget session in the gateway's emulator; returns the public token (null in update mode). */
  completeDemoWidget(provider: Provider, linkToken: string): Promise<string | null>;
}

type GraphQLErrorBody = { message?: string; extensions?: { [key: string]: unknown } };

function toGatewayError(status: number, errors: readonly GraphQLErrorBody[] | undefined): GatewayError {
  const first = errors?.[0];
  const code = first?.extensions?.code;
  if (status === 401 || code === 'UNAUTHENTICATED') return new GatewayError('UNAUTHENTICATED', first?.message ?? 'Authentication required.');
  if (first) return new GatewayError('GRAPHQL', first.message ?? 'GraphQL error', { code });
  return new GatewayError('NETWORK', `The gateway answered HTTP ${status}.`);
}

export function createGatewayClient(opts: GatewayClientOptions): GatewayClient {
  const base = opts.url.replace(/\/+$/, '');
  const endpoint = `${base}/graphql`;
  const authorization = async () => `Bearer ${await opts.getToken()}`;

  async function post(url: string, body: unknown): Promise<{ status: number; json: any }> {
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: await authorization() }, body: JSON.stringify(body) });
    } catch (e) {
      throw new GatewayError('NETWORK', `The gateway cannot be reached (${e instanceof Error ? e.message : String(e)}).`);
    }
    return { status: res.status, json: await res.json().catch(() => null) };
  }

  // EventSource cannot send headers; graphql-sse POSTs the operation and reads the event stream.
  let sse: Client | null = null;
  const sseClient = () =>
    (sse ??= createClient({ url: endpoint, headers: async () => ({ authorization: await authorization() }), retryAttempts: 3 }));

  return {
    async request(doc, variables) {
      const { status, json } = await post(endpoint, { query: doc.toString(), variables });
      if (status !== 200 || !json?.data || json.errors?.length) throw toGatewayError(status, json?.errors);
      return json.data;
    },
    subscribe(doc, variables, onData, onError) {
      return sseClient().subscribe(
        { query: doc.toString(), variables: variables as Record<string, unknown> },
        {
          next: (r) => {
            if (r.data) onData(r.data as never);
            else if (r.errors?.length) onError?.(toGatewayError(200, r.errors));
          },
          error: (e: unknown) => {
            // graphql-sse rejects with the Response when the server refuses the stream (401 ...).
            const status = e instanceof Response ? e.status : 0;
            onError?.(status === 401 ? new GatewayError('UNAUTHENTICATED', 'Authentication required.') : new GatewayError('NETWORK', e instanceof Error ? e.message : 'The live update stream failed.'));
          },
          complete: () => {},
        },
      );
    },
    async completeDemoWidget(provider, linkToken) {
      const { status, json } = await post(base + DEMO_COMPLETE_PATH, { provider, linkToken });
      if (status === 401) throw new GatewayError('UNAUTHENTICATED', 'Authentication required.');
      if (status !== 200) throw new GatewayError('NETWORK', json?.error ?? `Demo completion failed (HTTP ${status}); is the gateway in demo mode?`);
      return typeof json?.publicToken === 'string' ? json.publicToken : null;
    },
  };
}

/** A mutation result union: the payload member, or a GatewayError built from the Error member. */
export function unwrap<T extends { __typename: string }, K extends T['__typename']>(result: T, payload: K): Extract<T, { __typename: K }> {
  if (result.__typename === payload) return result as Extract<T, { __typename: K }>;
  const { __typename, code, message, ...details } = result as unknown as { __typename: string; code?: ErrorCode; message?: string } & Record<string, unknown>;
  throw new GatewayError(code ?? 'GRAPHQL', message ?? `Unexpected result ${__typename}.`, details);
}
