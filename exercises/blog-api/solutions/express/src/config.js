// All settings come from the environment, with development defaults.
export const config = {
  host: process.env.HOST || '127.0.0.1',
  port: Number.parseInt(process.env.PORT || '3000', 10),
  databasePath: process.env.DATABASE_PATH || 'conduit.db',
  jwtSecret: process.env.JWT_SECRET || 'conduit-development-secret-change-me',
  jwtExpiresIn: '30d',
};
