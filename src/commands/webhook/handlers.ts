import { webhookStream, type WebhookEvent } from '../../events/webhookEvents.js';
import { loadStream, runCommand, type CommandContext, type CommandDeps } from '../commandRunner.js';
import { decideWebhook, evolveWebhook, initialWebhookState, type WebhookCommand, type WebhookState } from './decider.js';

export async function handleWebhookCommand(deps: CommandDeps, context: CommandContext, command: WebhookCommand): Promise<void> {
  const webhookId = command.type === 'RegisterWebhook' ? command.data.webhook_id : command.webhook_id;
  const stream = webhookStream(webhookId);
  await runCommand(deps, context, async () => {
    const loaded = await loadStream<WebhookState, WebhookEvent>(deps.store, stream, evolveWebhook, initialWebhookState);
    return { appends: [{ stream, expectedRevision: loaded.revision, events: decideWebhook(command, loaded.state) }], result: undefined };
  });
}
