import { type ConfigOf, defineConfig, isHttpUrl, parsePort } from '../config/config-area';

/** PUBLIC_BASE_URL (default http://localhost:PORT): the base of the webhook URLs handed out; Stripe must reach it. */
export const webhookUrlsConfig = defineConfig('webhook urls', (env, problems) => {
  const publicBaseUrl = (env.PUBLIC_BASE_URL ?? `http://localhost:${parsePort(env.PORT, 3000) ?? 3000}`).replace(
    /\/+$/,
    '',
  );
  if (!isHttpUrl(publicBaseUrl)) problems.push('PUBLIC_BASE_URL must be an http(s) URL');
  return { publicBaseUrl };
});
export type WebhookUrlsConfig = ConfigOf<typeof webhookUrlsConfig>;
