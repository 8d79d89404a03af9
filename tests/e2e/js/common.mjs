// Shared by the client scripts: the libraries from the npm cache folder, the input
// from the test, calls that check what the libraries leave unchecked, and the report.
import { createRequire } from 'node:module';
import { join } from 'node:path';

// The libraries live in a cache folder outside the repository (tests/e2e/test_js_clients.py).
export const load = createRequire(join(process.env.PHOTOGRAM_JS_MODULES, 'package.json'));

// {endpoint, userPoolId, clientId, apiUrl, email, password, handle}
export const input = JSON.parse(process.argv[2]);

const results = {};

// Runs one step; records "ok", the error's code or name, or a failed expectation.
export async function step(name, body) {
  const t0 = Date.now();
  try {
    const value = await body();
    results[name] = value === undefined ? 'ok' : value;
  } catch (error) {
    results[name] = error?.code || error?.name || String(error);
  }
  // PHOTOGRAM_JS_TIMINGS=1: each step's time on stderr (where a slow run spends it).
  if (process.env.PHOTOGRAM_JS_TIMINGS) console.error(name, Date.now() - t0, 'ms');
  return results[name];
}

export function report() {
  console.log(JSON.stringify(results));
}

// GET /me (after a PUT /me creates the profile) with an id token: the status code.
export async function me(idToken, method = 'GET') {
  const response = await fetch(`${input.apiUrl}/me`, {
    method,
    headers: { Authorization: `Bearer ${idToken}`, 'Content-Type': 'application/json' },
    body: method === 'PUT' ? JSON.stringify({ handle: input.handle }) : undefined,
  });
  return response.status;
}

// A refresh straight to the endpoint, as the libraries send it: "ok" or the error type.
// For after sign-out, when a library no longer holds the token, and to spare
// amazon-cognito-identity-js' retries (about 6 s: it retries every error).
export async function refreshWith(refreshToken, operation = 'GetTokensFromRefreshToken') {
  const body =
    operation === 'InitiateAuth'
      ? {
          ClientId: input.clientId,
          AuthFlow: 'REFRESH_TOKEN_AUTH',
          AuthParameters: { REFRESH_TOKEN: refreshToken },
        }
      : { ClientId: input.clientId, RefreshToken: refreshToken };
  const response = await fetch(input.endpoint, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': `AWSCognitoIdentityProviderService.${operation}`,
    },
    body: JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  return response.ok ? 'ok' : answer.__type || String(response.status);
}
