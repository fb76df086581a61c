/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "fragment ConnectionFields on Connection { id provider providerConnectionId userId status requiredAction\n  error { providerCode providerType message displayMessage }\n  institution { id name logoUrl primaryColor } products consentExpiresAt lastSyncedAt statusChangedAt createdAt }": typeof types.ConnectionFieldsFragmentDoc,
    "mutation CreateLinkToken($input: CreateLinkTokenInput!) {\n  createLinkToken(input: $input) {\n    __typename\n    ... on CreateLinkTokenPayload { linkToken { provider mode token expiresAt hostedLinkUrl } }\n    ... on Error { code message }\n  }\n}": typeof types.CreateLinkTokenDocument,
    "mutation Exchange($input: ExchangePublicTokenInput!) {\n  exchangePublicToken(input: $input) {\n    __typename\n    ... on ExchangePublicTokenPayload { connection { ...ConnectionFields } }\n    ... on Error { code message }\n  }\n}": typeof types.ExchangeDocument,
    "query List($first: Int, $after: String, $filter: ConnectionFilter) {\n  connections(first: $first, after: $after, filter: $filter) {\n    totalCount\n    pageInfo { hasNextPage endCursor }\n    edges { cursor node { ...ConnectionFields } }\n  }\n}": typeof types.ListDocument,
    "query Get($id: ID!) { connection(id: $id) { ...ConnectionFields } }": typeof types.GetDocument,
    "query Node($id: ID!) { node(id: $id) { id ... on Connection { status provider } } }": typeof types.NodeDocument,
    "mutation Reset($input: ResetConnectionInput!) {\n  resetConnection(input: $input) {\n    __typename\n    ... on ResetConnectionPayload { connection { ...ConnectionFields } }\n    ... on Error { code message }\n  }\n}": typeof types.ResetDocument,
    "mutation ResetMany($input: ResetConnectionsInput!) {\n  resetConnections(input: $input) {\n    __typename\n    ... on ResetConnectionsPayload { connections { id status requiredAction } }\n    ... on Error { code message }\n  }\n}": typeof types.ResetManyDocument,
    "mutation UpdateLink($input: CreateUpdateLinkTokenInput!) {\n  createUpdateLinkToken(input: $input) {\n    __typename\n    ... on CreateUpdateLinkTokenPayload { linkToken { provider mode token expiresAt } connection { id status } }\n    ... on Error { code message }\n  }\n}": typeof types.UpdateLinkDocument,
    "mutation Refresh($input: RefreshConnectionInput!) {\n  refreshConnection(input: $input) {\n    __typename\n    ... on RefreshConnectionPayload { connection { ...ConnectionFields } }\n    ... on Error { code message }\n    ... on ProviderError { provider providerCode retryAfterSeconds requestId }\n  }\n}": typeof types.RefreshDocument,
    "mutation CompleteUpdate($input: CompleteUpdateLinkInput!) {\n  completeUpdateLink(input: $input) {\n    __typename\n    ... on CompleteUpdateLinkPayload { connection { ...ConnectionFields } }\n    ... on Error { code message }\n  }\n}": typeof types.CompleteUpdateDocument,
    "mutation Remove($input: RemoveConnectionInput!) {\n  removeConnection(input: $input) {\n    __typename\n    ... on RemoveConnectionPayload { removedConnectionId }\n    ... on Error { code message }\n  }\n}": typeof types.RemoveDocument,
    "fragment AccountFields on Account { id providerAccountId name officialName mask type subtype providerType\n  balances { current available limit currency asOf } }": typeof types.AccountFieldsFragmentDoc,
    "fragment TransactionFields on Transaction { id providerTransactionId amount currency date authorizedDate\n  pending description merchantName providerCategory account { id providerAccountId } }": typeof types.TransactionFieldsFragmentDoc,
    "query Accounts($id: ID!) {\n  connection(id: $id) { id status accountsUpdatedAt transactionsUpdatedAt accounts { ...AccountFields } }\n}": typeof types.AccountsDocument,
    "query AccountsPage($first: Int) {\n  connections(first: $first) { edges { node { id accounts { id balances { current available limit currency } } } } }\n}": typeof types.AccountsPageDocument,
    "query NodeAccount($id: ID!) {\n  node(id: $id) { id ... on Account { ...AccountFields connection { id } } ... on Transaction { ...TransactionFields } }\n}": typeof types.NodeAccountDocument,
    "query TransactionsSync($input: TransactionsSyncInput!) {\n  transactionsSync(input: $input) {\n    __typename\n    ... on TransactionsSyncPayload { added { ...TransactionFields } modified { ...TransactionFields } removed nextCursor hasMore }\n    ... on Error { code message }\n    ... on InvalidInputError { field }\n  }\n}": typeof types.TransactionsSyncDocument,
};
const documents: Documents = {
    "fragment ConnectionFields on Connection { id provider providerConnectionId userId status requiredAction\n  error { providerCode providerType message displayMessage }\n  institution { id name logoUrl primaryColor } products consentExpiresAt lastSyncedAt statusChangedAt createdAt }": types.ConnectionFieldsFragmentDoc,
    "mutation CreateLinkToken($input: CreateLinkTokenInput!) {\n  createLinkToken(input: $input) {\n    __typename\n    ... on CreateLinkTokenPayload { linkToken { provider mode token expiresAt hostedLinkUrl } }\n    ... on Error { code message }\n  }\n}": types.CreateLinkTokenDocument,
    "mutation Exchange($input: ExchangePublicTokenInput!) {\n  exchangePublicToken(input: $input) {\n    __typename\n    ... on ExchangePublicTokenPayload { connection { ...ConnectionFields } }\n    ... on Error { code message }\n  }\n}": types.ExchangeDocument,
    "query List($first: Int, $after: String, $filter: ConnectionFilter) {\n  connections(first: $first, after: $after, filter: $filter) {\n    totalCount\n    pageInfo { hasNextPage endCursor }\n    edges { cursor node { ...ConnectionFields } }\n  }\n}": types.ListDocument,
    "query Get($id: ID!) { connection(id: $id) { ...ConnectionFields } }": types.GetDocument,
    "query Node($id: ID!) { node(id: $id) { id ... on Connection { status provider } } }": types.NodeDocument,
    "mutation Reset($input: ResetConnectionInput!) {\n  resetConnection(input: $input) {\n    __typename\n    ... on ResetConnectionPayload { connection { ...ConnectionFields } }\n    ... on Error { code message }\n  }\n}": types.ResetDocument,
    "mutation ResetMany($input: ResetConnectionsInput!) {\n  resetConnections(input: $input) {\n    __typename\n    ... on ResetConnectionsPayload { connections { id status requiredAction } }\n    ... on Error { code message }\n  }\n}": types.ResetManyDocument,
    "mutation UpdateLink($input: CreateUpdateLinkTokenInput!) {\n  createUpdateLinkToken(input: $input) {\n    __typename\n    ... on CreateUpdateLinkTokenPayload { linkToken { provider mode token expiresAt } connection { id status } }\n    ... on Error { code message }\n  }\n}": types.UpdateLinkDocument,
    "mutation Refresh($input: RefreshConnectionInput!) {\n  refreshConnection(input: $input) {\n    __typename\n    ... on RefreshConnectionPayload { connection { ...ConnectionFields } }\n    ... on Error { code message }\n    ... on ProviderError { provider providerCode retryAfterSeconds requestId }\n  }\n}": types.RefreshDocument,
    "mutation CompleteUpdate($input: CompleteUpdateLinkInput!) {\n  completeUpdateLink(input: $input) {\n    __typename\n    ... on CompleteUpdateLinkPayload { connection { ...ConnectionFields } }\n    ... on Error { code message }\n  }\n}": types.CompleteUpdateDocument,
    "mutation Remove($input: RemoveConnectionInput!) {\n  removeConnection(input: $input) {\n    __typename\n    ... on RemoveConnectionPayload { removedConnectionId }\n    ... on Error { code message }\n  }\n}": types.RemoveDocument,
    "fragment AccountFields on Account { id providerAccountId name officialName mask type subtype providerType\n  balances { current available limit currency asOf } }": types.AccountFieldsFragmentDoc,
    "fragment TransactionFields on Transaction { id providerTransactionId amount currency date authorizedDate\n  pending description merchantName providerCategory account { id providerAccountId } }": types.TransactionFieldsFragmentDoc,
    "query Accounts($id: ID!) {\n  connection(id: $id) { id status accountsUpdatedAt transactionsUpdatedAt accounts { ...AccountFields } }\n}": types.AccountsDocument,
    "query AccountsPage($first: Int) {\n  connections(first: $first) { edges { node { id accounts { id balances { current available limit currency } } } } }\n}": types.AccountsPageDocument,
    "query NodeAccount($id: ID!) {\n  node(id: $id) { id ... on Account { ...AccountFields connection { id } } ... on Transaction { ...TransactionFields } }\n}": types.NodeAccountDocument,
    "query TransactionsSync($input: TransactionsSyncInput!) {\n  transactionsSync(input: $input) {\n    __typename\n    ... on TransactionsSyncPayload { added { ...TransactionFields } modified { ...TransactionFields } removed nextCursor hasMore }\n    ... on Error { code message }\n    ... on InvalidInputError { field }\n  }\n}": types.TransactionsSyncDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment ConnectionFields on Connection { id provider providerConnectionId userId status requiredAction\n  error { providerCode providerType message displayMessage }\n  institution { id name logoUrl primaryColor } products consentExpiresAt lastSyncedAt statusChangedAt createdAt }"): (typeof documents)["fragment ConnectionFields on Connection { id provider providerConnectionId userId status requiredAction\n  error { providerCode providerType message displayMessage }\n  institution { id name logoUrl primaryColor } products consentExpiresAt lastSyncedAt statusChangedAt createdAt }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateLinkToken($input: CreateLinkTokenInput!) {\n  createLinkToken(input: $input) {\n    __typename\n    ... on CreateLinkTokenPayload { linkToken { provider mode token expiresAt hostedLinkUrl } }\n    ... on Error { code message }\n  }\n}"): (typeof documents)["mutation CreateLinkToken($input: CreateLinkTokenInput!) {\n  createLinkToken(input: $input) {\n    __typename\n    ... on CreateLinkTokenPayload { linkToken { provider mode token expiresAt hostedLinkUrl } }\n    ... on Error { code message }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Exchange($input: ExchangePublicTokenInput!) {\n  exchangePublicToken(input: $input) {\n    __typename\n    ... on ExchangePublicTokenPayload { connection { ...ConnectionFields } }\n    ... on Error { code message }\n  }\n}"): (typeof documents)["mutation Exchange($input: ExchangePublicTokenInput!) {\n  exchangePublicToken(input: $input) {\n    __typename\n    ... on ExchangePublicTokenPayload { connection { ...ConnectionFields } }\n    ... on Error { code message }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query List($first: Int, $after: String, $filter: ConnectionFilter) {\n  connections(first: $first, after: $after, filter: $filter) {\n    totalCount\n    pageInfo { hasNextPage endCursor }\n    edges { cursor node { ...ConnectionFields } }\n  }\n}"): (typeof documents)["query List($first: Int, $after: String, $filter: ConnectionFilter) {\n  connections(first: $first, after: $after, filter: $filter) {\n    totalCount\n    pageInfo { hasNextPage endCursor }\n    edges { cursor node { ...ConnectionFields } }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Get($id: ID!) { connection(id: $id) { ...ConnectionFields } }"): (typeof documents)["query Get($id: ID!) { connection(id: $id) { ...ConnectionFields } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Node($id: ID!) { node(id: $id) { id ... on Connection { status provider } } }"): (typeof documents)["query Node($id: ID!) { node(id: $id) { id ... on Connection { status provider } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Reset($input: ResetConnectionInput!) {\n  resetConnection(input: $input) {\n    __typename\n    ... on ResetConnectionPayload { connection { ...ConnectionFields } }\n    ... on Error { code message }\n  }\n}"): (typeof documents)["mutation Reset($input: ResetConnectionInput!) {\n  resetConnection(input: $input) {\n    __typename\n    ... on ResetConnectionPayload { connection { ...ConnectionFields } }\n    ... on Error { code message }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation ResetMany($input: ResetConnectionsInput!) {\n  resetConnections(input: $input) {\n    __typename\n    ... on ResetConnectionsPayload { connections { id status requiredAction } }\n    ... on Error { code message }\n  }\n}"): (typeof documents)["mutation ResetMany($input: ResetConnectionsInput!) {\n  resetConnections(input: $input) {\n    __typename\n    ... on ResetConnectionsPayload { connections { id status requiredAction } }\n    ... on Error { code message }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateLink($input: CreateUpdateLinkTokenInput!) {\n  createUpdateLinkToken(input: $input) {\n    __typename\n    ... on CreateUpdateLinkTokenPayload { linkToken { provider mode token expiresAt } connection { id status } }\n    ... on Error { code message }\n  }\n}"): (typeof documents)["mutation UpdateLink($input: CreateUpdateLinkTokenInput!) {\n  createUpdateLinkToken(input: $input) {\n    __typename\n    ... on CreateUpdateLinkTokenPayload { linkToken { provider mode token expiresAt } connection { id status } }\n    ... on Error { code message }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Refresh($input: RefreshConnectionInput!) {\n  refreshConnection(input: $input) {\n    __typename\n    ... on RefreshConnectionPayload { connection { ...ConnectionFields } }\n    ... on Error { code message }\n    ... on ProviderError { provider providerCode retryAfterSeconds requestId }\n  }\n}"): (typeof documents)["mutation Refresh($input: RefreshConnectionInput!) {\n  refreshConnection(input: $input) {\n    __typename\n    ... on RefreshConnectionPayload { connection { ...ConnectionFields } }\n    ... on Error { code message }\n    ... on ProviderError { provider providerCode retryAfterSeconds requestId }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CompleteUpdate($input: CompleteUpdateLinkInput!) {\n  completeUpdateLink(input: $input) {\n    __typename\n    ... on CompleteUpdateLinkPayload { connection { ...ConnectionFields } }\n    ... on Error { code message }\n  }\n}"): (typeof documents)["mutation CompleteUpdate($input: CompleteUpdateLinkInput!) {\n  completeUpdateLink(input: $input) {\n    __typename\n    ... on CompleteUpdateLinkPayload { connection { ...ConnectionFields } }\n    ... on Error { code message }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Remove($input: RemoveConnectionInput!) {\n  removeConnection(input: $input) {\n    __typename\n    ... on RemoveConnectionPayload { removedConnectionId }\n    ... on Error { code message }\n  }\n}"): (typeof documents)["mutation Remove($input: RemoveConnectionInput!) {\n  removeConnection(input: $input) {\n    __typename\n    ... on RemoveConnectionPayload { removedConnectionId }\n    ... on Error { code message }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment AccountFields on Account { id providerAccountId name officialName mask type subtype providerType\n  balances { current available limit currency asOf } }"): (typeof documents)["fragment AccountFields on Account { id providerAccountId name officialName mask type subtype providerType\n  balances { current available limit currency asOf } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment TransactionFields on Transaction { id providerTransactionId amount currency date authorizedDate\n  pending description merchantName providerCategory account { id providerAccountId } }"): (typeof documents)["fragment TransactionFields on Transaction { id providerTransactionId amount currency date authorizedDate\n  pending description merchantName providerCategory account { id providerAccountId } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Accounts($id: ID!) {\n  connection(id: $id) { id status accountsUpdatedAt transactionsUpdatedAt accounts { ...AccountFields } }\n}"): (typeof documents)["query Accounts($id: ID!) {\n  connection(id: $id) { id status accountsUpdatedAt transactionsUpdatedAt accounts { ...AccountFields } }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query AccountsPage($first: Int) {\n  connections(first: $first) { edges { node { id accounts { id balances { current available limit currency } } } } }\n}"): (typeof documents)["query AccountsPage($first: Int) {\n  connections(first: $first) { edges { node { id accounts { id balances { current available limit currency } } } } }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query NodeAccount($id: ID!) {\n  node(id: $id) { id ... on Account { ...AccountFields connection { id } } ... on Transaction { ...TransactionFields } }\n}"): (typeof documents)["query NodeAccount($id: ID!) {\n  node(id: $id) { id ... on Account { ...AccountFields connection { id } } ... on Transaction { ...TransactionFields } }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query TransactionsSync($input: TransactionsSyncInput!) {\n  transactionsSync(input: $input) {\n    __typename\n    ... on TransactionsSyncPayload { added { ...TransactionFields } modified { ...TransactionFields } removed nextCursor hasMore }\n    ... on Error { code message }\n    ... on InvalidInputError { field }\n  }\n}"): (typeof documents)["query TransactionsSync($input: TransactionsSyncInput!) {\n  transactionsSync(input: $input) {\n    __typename\n    ... on TransactionsSyncPayload { added { ...TransactionFields } modified { ...TransactionFields } removed nextCursor hasMore }\n    ... on Error { code message }\n    ... on InvalidInputError { field }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;