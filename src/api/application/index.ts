import express from 'express';
import type { RouteTable } from '../routeTable.js';
import type { ApplicationCredentials} from './applicationAuth.js';
import { requireApplication } from './applicationAuth.js';
import { authConfigRouter } from './authConfig.js';
import type { StorefrontDeps } from './deps.js';
import { otpRouter } from './otp.js';
import { passwordResetRouter } from './passwordReset.js';
import { passwordSignInRouter } from './passwordSignIn.js';
import { profileRouter } from './profile.js';
import { profileV2Router } from './profileV2.js';
import { registrationRouter } from './registration.js';
import { sessionRouter } from './session.js';
import { storefrontAttributesRouter } from './userAttributes.js';
import { verificationRouter } from './verification.js';
import { socialLoginRouter } from './socialLogin.js';
import { deleteAccountRouter } from './deleteAccount.js';

export const APPLICATION_PREFIX = '/service/application/user';

export type { StorefrontDeps };

/**
 * The storefront (Application) API. The sales channel is authenticated before the body is
 * read: an anonymous caller cannot make the server parse a JSON body.
 */
export function addApplicationRoutes(table: RouteTable, deps: StorefrontDeps, credentials: ApplicationCredentials): void {
  const middleware = { before: [requireApplication(credentials)], body: [express.json({ limit: '1mb' })] };
  for (const area of [
    authConfigRouter,
    registrationRouter,
    passwordSignInRouter,
    sessionRouter,
    otpRouter,
    passwordResetRouter,
    verificationRouter,
    socialLoginRouter,
    deleteAccountRouter,
    profileRouter,
    profileV2Router,
    storefrontAttributesRouter,
  ]) {
    table.add(APPLICATION_PREFIX, middleware, area(deps));
  }
}
