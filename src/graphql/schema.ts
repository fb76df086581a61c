import { builder } from './builder.js';
import './types/enums.js';
import './types/errors.js';
import './types/connection.js';
import './types/connection-events.js';
import './types/mutations.js';
import './types/account.js';
import './types/transaction.js';
import './types/import.js';
import './types/subscription.js';

builder.queryType({});
builder.mutationType({});

export const schema = builder.toSchema({ sortSchema: false });
