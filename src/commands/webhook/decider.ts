import type { WebhookEvent } from '../../events/webhookEvents.js';
import { notFound } from '../../shared/errors.js';

export type WebhookState = { status: 'absent' } | { status: 'active' | 'deleted'; application_id: string };

type Registration = Extract<WebhookEvent, { type: 'WebhookRegistered' }>['data'];

export type WebhookCommand =
  | { type: 'RegisterWebhook'; data: Registration }
  | { type: 'DeleteWebhook'; webhook_id: string; application_id: string; reason?: string };

export const initialWebhookState = (): WebhookState => ({ status: 'absent' });

export function evolveWebhook(state: WebhookState, event: WebhookEvent): WebhookState {
  switch (event.type) {
    case 'WebhookRegistered':
      return { status: 'active', application_id: event.data.application_id };
    case 'WebhookDeleted':
      return state.status === 'absent' ? state : { ...state, status: 'deleted' };
  }
}

export function decideWebhook(command: WebhookCommand, state: WebhookState): WebhookEvent[] {
  if (command.type === 'RegisterWebhook') {
    // Ids are made by the server: a second registration under one id is a retry of the first.
    return state.status === 'absent' ? [{ type: 'WebhookRegistered', data: command.data }] : [];
  }
  // Another application's webhook does not exist for this one.
  if (state.status === 'absent' || state.application_id !== command.application_id) throw notFound('webhook', 'webhook_id');
  if (state.status === 'deleted') return [];
  const { webhook_id, application_id, reason } = command;
  return [{ type: 'WebhookDeleted', data: { webhook_id, application_id, ...(reason === undefined ? {} : { reason }) } }];
}
