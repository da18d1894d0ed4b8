/**
 * gemini-balance's settings (its `app/config/config.py` and `.env.example`), so that its `.env` is never half
 * understood without a word. Each is either read by the gateway under the same name with the same meaning, or named
 * in one warning at start that says what to use instead. The variables read live in the schemas (`schema.ts`, the
 * providers' definitions); this module lists the others.
 */

/** Read under gemini-balance's name, with its meaning (see README, "Coming from gemini-balance"). */
export const GEMINI_BALANCE_ACCEPTED = [
  'API_KEYS', 'ALLOWED_TOKENS', 'AUTH_TOKEN', 'BASE_URL', 'MAX_FAILURES', 'MAX_RETRIES', 'TEST_MODEL', 'TIME_OUT',
  'PROXIES', 'PROXIES_USE_CONSISTENCY_HASH_BY_API_KEY', 'CHECK_INTERVAL_HOURS', 'TIMEZONE', 'LOG_LEVEL', 'PORT',
  'SEARCH_MODELS', 'IMAGE_MODELS', 'FILTERED_MODELS', 'THINKING_MODELS', 'THINKING_BUDGET_MAP',
  'TOOLS_CODE_EXECUTION_ENABLED', 'URL_CONTEXT_ENABLED', 'SHOW_SEARCH_LINK', 'SHOW_THINKING_PROCESS', 'SAFETY_SETTINGS',
  'AUTO_DELETE_ERROR_LOGS_ENABLED', 'AUTO_DELETE_ERROR_LOGS_DAYS', 'AUTO_DELETE_REQUEST_LOGS_ENABLED', 'AUTO_DELETE_REQUEST_LOGS_DAYS',
  'TTS_MODEL', 'TTS_VOICE_NAME', 'TTS_SPEED', 'FAKE_STREAM_ENABLED', 'FAKE_STREAM_EMPTY_DATA_INTERVAL_SECONDS',
  'PAID_KEY', 'VERTEX_API_KEYS', 'VERTEX_EXPRESS_BASE_URL', 'URL_NORMALIZATION_ENABLED', 'STREAM_OPTIMIZER_ENABLED', 'STREAM_MIN_DELAY', 'STREAM_MAX_DELAY', 'STREAM_SHORT_TEXT_THRESHOLD', 'STREAM_LONG_TEXT_THRESHOLD', 'STREAM_CHUNK_SIZE',
] as const;

/** gemini-balance's settings the gateway does not read, grouped by what to use instead. */
export const GEMINI_BALANCE_NOT_READ: readonly { variables: readonly string[]; instead: string }[] = [
  {
    variables: ['DATABASE_TYPE', 'SQLITE_DATABASE', 'MYSQL_HOST', 'MYSQL_PORT', 'MYSQL_USER', 'MYSQL_PASSWORD', 'MYSQL_DATABASE', 'MYSQL_SOCKET', 'PGSQL_HOST', 'PGSQL_PORT', 'PGSQL_USER', 'PGSQL_PASSWORD', 'PGSQL_DATABASE'],
    instead: 'state is kept in Redis (REDIS_URL) or memory',
  },
  { variables: ['ADMIN_SESSION_EXPIRE'], instead: 'use CONSOLE_SESSION_HOURS' },
  { variables: ['ERROR_LOG_RECORD_REQUEST_BODY'], instead: 'use LOG_REQUEST_BODIES' },
  { variables: ['CUSTOM_HEADERS'], instead: 'set headers per upstream in the config file (upstreams.<name>.headers)' },
  { variables: ['URL_CONTEXT_MODELS'], instead: 'URL_CONTEXT_ENABLED offers URL context to every Gemini model' },
  { variables: ['GITHUB_REPO_OWNER', 'GITHUB_REPO_NAME'], instead: 'gemini-balance’s update check; the gateway has none' },
  { variables: ['FILES_CLEANUP_ENABLED', 'FILES_CLEANUP_INTERVAL_HOURS'], instead: 'Gemini deletes uploaded files after 48 hours and the gateway forgets them then' },
  { variables: ['FILES_USER_ISOLATION_ENABLED'], instead: 'GET /v1beta/files lists the files of one pool key; files are reached by name with the key that uploaded them' },
  {
    variables: ['KEY_RESURRECTION_ENABLED', 'KEY_RESURRECTION_INTERVAL', 'KEY_RESURRECTION_COOLDOWN', 'KEY_RESURRECTION_TEST_MODEL'],
    instead: 'retired keys are probed every CHECK_INTERVAL_HOURS with TEST_MODEL',
  },
  {
    variables: ['BAYESIAN_ALPHA_PRIOR', 'BAYESIAN_BETA_PRIOR', 'BAYESIAN_DECAY_FACTOR', 'BAYESIAN_STATS_DUMP_INTERVAL', 'BAYESIAN_MIGRATION_ENABLED', 'BAYESIAN_MIGRATION_BACKUP'],
    instead: 'keys are used in turn, with cooldowns (RATE_LIMIT_COOLDOWN_SECONDS, QUOTA_COOLDOWN_SECONDS)',
  },
  {
    variables: ['CREATE_IMAGE_MODEL', 'UPLOAD_PROVIDER', 'SMMS_SECRET_TOKEN', 'PICGO_API_KEY', 'PICGO_API_URL', 'CLOUDFLARE_IMGBED_URL', 'CLOUDFLARE_IMGBED_AUTH_CODE', 'CLOUDFLARE_IMGBED_UPLOAD_FOLDER', 'OSS_ENDPOINT', 'OSS_ENDPOINT_INNER', 'OSS_ACCESS_KEY', 'OSS_ACCESS_KEY_SECRET', 'OSS_BUCKET_NAME', 'OSS_REGION'],
    instead: 'images are made at /v1/images/generations by the model the client names (imagen-*, gemini-*-image*); images for response_format "url" are kept in IMAGE_UPLOAD_DIR and served by the gateway (PUBLIC_BASE_URL), not by a third-party host',
  },
];

const isSet = (value: string | undefined): boolean => value !== undefined && value.trim() !== '';

/**
 * The one start-up warning for a gemini-balance `.env`: each variable set that the gateway does not read, with what
 * to use instead; undefined when there is none.
 */
export function geminiBalanceWarning(env: NodeJS.ProcessEnv): string | undefined {
  const parts = GEMINI_BALANCE_NOT_READ.flatMap(({ variables, instead }) => {
    const set = variables.filter((name) => isSet(env[name]));
    return set.length === 0 ? [] : [`${set.join(', ')} (${instead})`];
  });
  return parts.length === 0 ? undefined : `gemini-balance settings this gateway does not read: ${parts.join('; ')}`;
}
