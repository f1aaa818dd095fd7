import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

describe('configuration', () => {
  it('has working defaults for the embedded service', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 8080, DATA_DIR: './data', SQLITE_SYNCHRONOUS: 'NORMAL', BOOTSTRAP_APPLICATIONS: [] });
  });

  it('parses bootstrap credentials', () => {
    const config = loadConfig({ BOOTSTRAP_PLATFORM_CLIENTS: '559:c1:s1, 560:c2:s2' });
    expect(config.BOOTSTRAP_PLATFORM_CLIENTS).toEqual([
      { company_id: '559', id: 'c1', secret: 's1' },
      { company_id: '560', id: 'c2', secret: 's2' },
    ]);
  });

  it('names the variable of a bad value, without echoing a secret', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ SQLITE_SYNCHRONOUS: 'OFF' })).toThrow(/SQLITE_SYNCHRONOUS/);
    let message = '';
    try {
      loadConfig({ BOOTSTRAP_PLATFORM_CLIENTS: '559:client-only-two-parts-supersecret' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('BOOTSTRAP_PLATFORM_CLIENTS');
    expect(() => loadConfig({ BOOTSTRAP_APPLICATIONS: 'acme:app:token' })).toThrow(/BOOTSTRAP_APPLICATIONS.*numeric/s);
  });

  it('requires a shared token key when instances share remote stores', () => {
    expect(() => loadConfig({ MONGODB_URL: 'mongodb://mongo:27017' })).toThrow(/TOKEN_SIGNING_KEY[\s\S]*DATA_ENCRYPTION_KEY/);
    expect(() => loadConfig({ EVENTSTORE_URL: 'esdb://e', TOKEN_SIGNING_KEY: 'k'.repeat(32), DATA_ENCRYPTION_KEY: 'short' })).toThrow(
      /DATA_ENCRYPTION_KEY/,
    );
    const config = loadConfig({ MONGODB_URL: 'mongodb://m', TOKEN_SIGNING_KEY: 'k'.repeat(32), DATA_ENCRYPTION_KEY: 'ab'.repeat(32) });
    expect(config.MONGODB_URL).toBe('mongodb://m');
  });

  it('requires a signing secret with a notification webhook, and an http(s) URL', () => {
    expect(() => loadConfig({ NOTIFY_WEBHOOK_URL: 'https://hooks.example.com/n' })).toThrow(/NOTIFY_WEBHOOK_SECRET: required when NOTIFY_WEBHOOK_URL/);
    expect(() => loadConfig({ NOTIFY_WEBHOOK_URL: 'https://hooks.example.com/n', NOTIFY_WEBHOOK_SECRET: 'short' })).toThrow(/NOTIFY_WEBHOOK_SECRET.*16/);
    expect(() => loadConfig({ NOTIFY_WEBHOOK_URL: 'ftp://hooks.example.com', NOTIFY_WEBHOOK_SECRET: 's'.repeat(16) })).toThrow(/NOTIFY_WEBHOOK_URL/);
    const config = loadConfig({ NOTIFY_WEBHOOK_URL: ' https://hooks.example.com/n ', NOTIFY_WEBHOOK_SECRET: 's'.repeat(16) });
    expect(config).toMatchObject({ NOTIFY_WEBHOOK_URL: 'https://hooks.example.com/n', NOTIFY_WEBHOOK_SECRET: 's'.repeat(16) });
    expect(loadConfig({ NOTIFY_WEBHOOK_URL: '', NOTIFY_WEBHOOK_SECRET: '' }).NOTIFY_WEBHOOK_URL).toBeUndefined();
  });
});
