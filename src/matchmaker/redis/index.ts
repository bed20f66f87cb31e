/** Redis matchmaker component: the pieces other layers (transport, CLI, tests) use. */
export { createRedisMatchmaker } from "./factory.js";
export { RedisMatchmaker, type RedisMatchmakerStats, type KeyListing } from "./redis-matchmaker.js";
export {
  resolveRedisMatchmakerOptions,
  REDIS_MATCHMAKER_OPTION_KEYS,
  type RedisMatchmakerOptions,
  type ResolvedRedisMatchmakerOptions,
} from "./options.js";
export {
  openConnections,
  describeSpec,
  redisClientOptions,
  specSecrets,
  type RedisSpec,
  type RedisConnections,
} from "./connection.js";
export { CommandRunner } from "./command-runner.js";
export { aclRules, MATCHMAKER_COMMANDS } from "./acl.js";
export { errorMeaning, isFatal, type ErrorMeaning } from "./connect-errors.js";
export { keyScheme, encodeChange, decodeChange, type KeyScheme, type Change, type ChangeOp } from "./key-scheme.js";
export { LookupCache, liveInReply, type CacheAnswer, type FetchToken } from "./lookup-cache.js";
export { RegistrationBook, type BookEntry, type Replay } from "./registration-book.js";
export {
  REGISTER_LUA,
  UNREGISTER_LUA,
  LOOKUP_LUA,
  parseLookupReply,
  type LookupReply,
  type Member,
} from "./scripts.js";
export {
  osloSetKey,
  osloMember,
  fromOsloMember,
  osloTtlSeconds,
  osloNotifyKey,
  osloPoolPart,
  OsloRegistrations,
  OSLO_REGISTER_LUA,
  OSLO_UNREGISTER_LUA,
  OSLO_LOOKUP_LUA,
} from "./oslo-key-scheme.js";
export { OsloStore, type SchemeMode } from "./oslo-store.js";
