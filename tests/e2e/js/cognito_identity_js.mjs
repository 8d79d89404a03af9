// amazon-cognito-identity-js as a web or React Native app uses it, against the local Cognito.
import { input, load, me, refreshWith, report, step } from './common.mjs';

const {
  AuthenticationDetails,
  CognitoUser,
  CognitoUserAttribute,
  CognitoUserPool,
} = load('amazon-cognito-identity-js');

const pool = new CognitoUserPool({
  UserPoolId: input.userPoolId,
  ClientId: input.clientId,
  endpoint: input.endpoint,
});
const user = () => new CognitoUser({ Username: input.email, Pool: pool });

// Callback API → promises.
const signUp = () =>
  new Promise((resolve, reject) =>
    pool.signUp(
      input.email,
      input.password,
      [new CognitoUserAttribute({ Name: 'email', Value: input.email })],
      null,
      (err, result) => (err ? reject(err) : resolve(result)),
    ),
  );
const confirm = (u) =>
  new Promise((resolve, reject) =>
    u.confirmRegistration('123456', true, (err) => (err ? reject(err) : resolve())),
  );
// authenticateUser's default flow is USER_SRP_AUTH.
const authenticate = (u, password) =>
  new Promise((resolve, reject) =>
    u.authenticateUser(new AuthenticationDetails({ Username: input.email, Password: password }), {
      onSuccess: resolve,
      onFailure: reject,
    }),
  );
const refresh = (u, session) =>
  new Promise((resolve, reject) =>
    u.refreshSession(session.getRefreshToken(), (err, s) => (err ? reject(err) : resolve(s))),
  );
const revoke = (u) =>
  new Promise((resolve, reject) => u.revokeTokens((err) => (err ? reject(err) : resolve())));
const globalSignOut = (u) =>
  new Promise((resolve, reject) => u.globalSignOut({ onSuccess: resolve, onFailure: reject }));

const phone = user();
let session;
await step('sign_up', async () => void (await signUp()));
await step('confirm', () => confirm(phone));
await step('wrong_password', async () => {
  await authenticate(user(), `${input.password}-wrong`);
  return 'signed in with a wrong password';
});
await step('sign_in', async () => void (session = await authenticate(phone, input.password)));
await step('put_me', () => me(session.getIdToken().getJwtToken(), 'PUT'));
await step('get_me', () => me(session.getIdToken().getJwtToken()));
let renewed;
await step('refresh', async () => void (renewed = await refresh(phone, session)));
await step('get_me_after_refresh', () => me(renewed.getIdToken().getJwtToken()));
const revokedToken = renewed.getRefreshToken().getToken();
await step('revoke', () => revoke(phone));
await step('refresh_after_revoke', async () => {
  await refresh(phone, renewed);
  return 'refreshed after revoke';
});
await step('get_tokens_after_revoke', () => refreshWith(revokedToken));

// Two devices sign in; a global sign-out from one ends the other's refresh token too.
const laptop = user();
const tablet = user();
let laptopSession;
await step('sign_in_two_devices', async () => {
  laptopSession = await authenticate(laptop, input.password);
  await authenticate(tablet, input.password);
});
await step('global_sign_out', async () => void (await globalSignOut(tablet)));
const laptopToken = laptopSession.getRefreshToken().getToken();
await step('refresh_after_global_sign_out', () => refreshWith(laptopToken, 'InitiateAuth'));
report();
