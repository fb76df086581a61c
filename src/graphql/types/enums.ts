import { CONNECTION_ACTIONS, CONNECTION_STATUSES, PROVIDERS } from '../../domain/connection.js';
import { builder } from '../builder.js';

export const ProviderEnum = builder.enumType('Provider', { values: PROVIDERS });

export const ConnectionStatusEnum = builder.enumType('ConnectionStatus', {
  description: "One enum for every provider's state and error code.",
  values: {
    CONNECTING: { description: 'Linking not finished yet.' },
    CONNECTED: { description: 'Healthy.' },
    EXPIRING: { description: 'Works now, but consent/access ends soon: update mode recommended.' },
    LOGIN_REQUIRED: { description: 'The user must re-authenticate through update mode.' },
    USER_ACTION_REQUIRED: { description: 'The user must act at the institution first, then update mode.' },
    INSTITUTION_ERROR: { description: 'The bank is down or failing: transient, wait.' },
    PROVIDER_ERROR: { description: 'The aggregator is failing: transient, wait.' },
    DISCONNECTED: { description: 'Revoked, deleted or removed: only a new connection helps.' },
    UNKNOWN: { description: 'A provider value this version does not know (raw code kept in error).' },
  } satisfies Record<(typeof CONNECTION_STATUSES)[number], { description: string }>,
});

export const ConnectionActionEnum = builder.enumType('ConnectionAction', {
  description: 'What the frontend should offer the user, derived from status alone.',
  values: CONNECTION_ACTIONS,
});

export const LinkModeEnum = builder.enumType('LinkMode', { values: ['CREATE', 'UPDATE'] as const });
