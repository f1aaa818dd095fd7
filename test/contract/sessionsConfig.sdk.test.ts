import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateSession } from '../../src/commands/session/sessions.js';
import { PLATFORM_SDKS, sdkStatus, type SdkUserClient } from '../support/platformSdk.js';
import { startTestService, type TestService } from '../support/testService.js';

describe.each(PLATFORM_SDKS)('the Fynd SDK $sdk (strictResponseCheck)', ({ connect }) => {
  let ts: TestService;
  let user: SdkUserClient;
  let userId: string;

  beforeAll(async () => {
    ts = await startTestService();
    user = await connect(ts);
    const created = await user.createUser({ body: { phone_number: '9555500001', username: '' } });
    userId = created.user?._id ?? '';
  });
  afterAll(async () => ts.close());

  describe('sales-channel auth config', () => {
    it('reads the default config and writes back an edited copy of it, as a back office does', async () => {
      const config = await user.getPlatformConfig();
      expect(config.login).toEqual({ password: true, otp: true });
      const edited = { ...config, session_config: { duration: 12, type: 'hours', is_rolling: true }, social: { ...config.social, google: true } };
      const saved = await user.updatePlatformConfig({ body: edited });
      expect(saved.session_config).toEqual({ duration: 12, type: 'hours', is_rolling: true });
      expect(saved.social?.google).toBe(true);
      expect((await user.getPlatformConfig()).session_config?.duration).toBe(12);
    });

    it('keeps a provider secret it never shows again, even when the masked copy is sent back', async () => {
      const config = await user.getPlatformConfig();
      const withSecret = await user.updatePlatformConfig({
        body: { ...config, social_tokens: { ...config.social_tokens, facebook: { app_id: 'fb-1', app_secret: 'fb-secret-1' } } },
      });
      expect(withSecret.social_tokens?.facebook?.app_secret).toBe('********');
      await user.updatePlatformConfig({ body: withSecret });
      const stored = await ts.service.readStore.platformConfigs.get(ts.platformBase.split('/').at(-1) ?? '');
      expect(ts.service.cipher.decrypt(stored?.config.social_tokens.facebook.app_secret ?? '')).toBe('fb-secret-1');
    });

    it('refuses an invalid config with a 400 naming the field', async () => {
      const config = await user.getPlatformConfig();
      const failure = await sdkStatus(user.updatePlatformConfig({ body: { ...config, session_config: { duration: 0, type: 'days', is_rolling: false } } }));
      expect(failure.code).toBe(400);
      expect(failure.message).toContain('session_config.duration');
    });
  });

  describe('customer sessions', () => {
    it('creates, lists and ends sessions', async () => {
      const first = await user.createUserSession({ body: { user_id: userId, domain: 'shop.example.com' } });
      const second = await user.createUserSession({ body: { user_id: userId, domain: 'shop.example.com' } });
      expect(first).toMatchObject({ domain: 'shop.example.com', secure: true, http_only: true });
      const cookie = (first.cookie as Record<string, string>)['f.session'] ?? '';
      expect(await validateSession(ts.service.sessionDeps, cookie)).not.toBeNull();

      const listed = await user.getActiveSessions({ id: userId });
      expect(listed.items).toHaveLength(2);
      const firstId = listed.items?.find((s) => s.session_id !== undefined)?.session_id ?? '';

      const one = await user.deleteSession({ id: userId, sessionId: firstId, reason: 'support request' });
      expect(one).toEqual({ user_id: userId, session_id: firstId });
      const rest = await user.deleteActiveSessions({ id: userId, reason: 'password leaked' });
      expect(rest.session_ids).toHaveLength(1);
      expect(await validateSession(ts.service.sessionDeps, cookie)).toBeNull();
      expect(await validateSession(ts.service.sessionDeps, (second.cookie as Record<string, string>)['f.session'] ?? '')).toBeNull();
      expect((await user.getActiveSessions({ id: userId })).items).toEqual([]);
    });

    it('answers 404 for an unknown customer or session', async () => {
      expect((await sdkStatus(user.getActiveSessions({ id: 'ffffffffffffffffffffffff' }))).code).toBe(404);
      expect((await sdkStatus(user.deleteSession({ id: userId, sessionId: 'nope', reason: 'x' }))).code).toBe(404);
    });
  });
});
