// aws-amplify v6 (Auth category) as a web or React Native app uses it, against the local Cognito.
import { input, load, me, refreshWith, report, step } from './common.mjs';

const { Amplify } = load('aws-amplify');
const { signUp, confirmSignUp, signIn, signOut, fetchAuthSession } = load('aws-amplify/auth');
const { cognitoUserPoolsTokenProvider } = load('aws-amplify/auth/cognito');

// Node has no localStorage: Amplify falls back to memory on its own. This store is set only
// so the script can read the refresh token Amplify holds (to try it after sign-out).
const store = new Map();
cognitoUserPoolsTokenProvider.setKeyValueStorage({
  setItem: async (key, value) => void store.set(key, value),
  getItem: async (key) => store.get(key) ?? null,
  removeItem: async (key) => void store.delete(key),
  clear: async () => store.clear(),
});
const refreshToken = () =>
  [...store].find(([key]) => key.endsWith('.refreshToken'))?.[1] ?? 'none';

Amplify.configure({
  Auth: {
    Cognito: {
      userPoolId: input.userPoolId,
      userPoolClientId: input.clientId,
      userPoolEndpoint: input.endpoint,
    },
  },
});

const idToken = async (options) => (await fetchAuthSession(options)).tokens?.idToken?.toString();

await step('sign_up', async () => {
  await signUp({
    username: input.email,
    password: input.password,
    options: { userAttributes: { email: input.email } },
  });
});
await step('confirm', async () => {
  await confirmSignUp({ username: input.email, confirmationCode: '123456' });
});
// signIn's default flow is USER_SRP_AUTH.
await step('wrong_password', async () => {
  await signIn({ username: input.email, password: `${input.password}-wrong` });
  return 'signed in with a wrong password';
});
await step('sign_in', async () => {
  const { isSignedIn, nextStep } = await signIn({ username: input.email, password: input.password });
  return isSignedIn ? undefined : `not signed in: ${nextStep.signInStep}`;
});
let first;
await step('put_me', async () => me((first = await idToken()), 'PUT'));
await step('get_me', () => me(first));
// forceRefresh calls GetTokensFromRefreshToken.
let renewed;
await step('refresh', async () => {
  renewed = await idToken({ forceRefresh: true });
  return renewed && renewed !== first ? undefined : 'no new id token';
});
await step('get_me_after_refresh', () => me(renewed));
// signOut() revokes the refresh token (RevokeToken) and swallows any error: check after.
const revoked = refreshToken();
await step('sign_out', () => signOut());
await step('get_tokens_after_sign_out', () => refreshWith(revoked));

// Global sign-out (GlobalSignOut) from a fresh sign-in.
await step('sign_in_again', async () => void (await signIn({ username: input.email, password: input.password })));
const before = refreshToken();
await step('global_sign_out', () => signOut({ global: true }));
await step('get_tokens_after_global_sign_out', () => refreshWith(before));
report();
