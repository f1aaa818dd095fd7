import { describe, expect, it } from 'vitest';
import { decidePlatformConfig, initialPlatformConfigState } from '../../src/commands/platformConfig/decider.js';

describe('platform config decider: fields added after a config was written', () => {
  it('takes delete_account_cancel_on_login and social_tokens.apple on a config stored without them', () => {
    const { delete_account_cancel_on_login: _flag, social_tokens, ...older } = initialPlatformConfigState().config;
    const { apple: _apple, ...olderTokens } = social_tokens;
    const state = { config: { ...older, social_tokens: olderTokens } };
    const [event] = decidePlatformConfig(
      { type: 'UpdatePlatformConfig', application_id: 'app1', patch: { delete_account_cancel_on_login: false, social_tokens: { apple: { app_id: 'com.example.shop', app_secret: '' } } } },
      state,
    );
    expect(event?.data.config.delete_account_cancel_on_login).toBe(false);
    expect(event?.data.config.social_tokens.apple).toEqual({ app_id: 'com.example.shop', app_secret: '' });
    expect(event?.data.changed.sort()).toEqual(['delete_account_cancel_on_login', 'social_tokens']);
  });
});
