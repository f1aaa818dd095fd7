import fdk from '@gofynd/fdk-client-javascript';
import { expect } from 'vitest';

const { UserApplicationModel } = fdk.ApplicationModel;

/** The reply models SDK 1.4.13 ships for the storefront's User methods. */
export type ApplicationModelName =
  | 'LoginSuccess'
  | 'RegisterFormSuccess'
  | 'OtpSuccess'
  | 'SendOtpResponse'
  | 'EmailOtpSuccess'
  | 'VerifyOtpSuccess'
  | 'VerifyForgotOtpSuccess'
  | 'ResetPasswordSuccess'
  | 'ResetForgotPasswordSuccess'
  | 'VerifyEmailSuccess'
  | 'HasPasswordSuccess'
  | 'LogoutSuccess'
  | 'SessionListSuccess'
  | 'UserObjectSchema'
  | 'UserExistsResponse'
  | 'PlatformSchema';

interface JoiLike {
  validate(value: unknown, options: { abortEarly: boolean; allowUnknown: boolean }): { error?: { message: string } };
}

/**
 * Checks a storefront reply against the SDK 1.4.13 Joi model exactly as the SDK does with
 * strictResponseCheck (allowUnknown, all errors), for HTTP tests that do not go through the SDK.
 */
export function expectApplicationModel(name: ApplicationModelName, body: unknown): void {
  // The SDK's typings describe each model as the reply type; at run time it is a Joi schema.
  const schema = UserApplicationModel[name]() as unknown as JoiLike;
  const { error } = schema.validate(body, { abortEarly: false, allowUnknown: true });
  expect(error?.message, `${name}: ${JSON.stringify(body)}`).toBeUndefined();
  expect(typeof body === 'object' && body !== null && !Array.isArray(body), `${name} must be a JSON object`).toBe(true);
}
