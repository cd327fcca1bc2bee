import { z } from 'zod';
import { TopicName } from './topics';

/** A versioned event contract: literal type and version, its topic and its payload schema. */
export interface EventContract<T extends string = string, V extends number = number, S extends z.ZodType = z.ZodType> {
  readonly type: T;
  readonly version: V;
  readonly topic: TopicName;
  readonly schema: S;
}

export function defineEvent<T extends string, V extends number, S extends z.ZodType>(
  type: T,
  version: V,
  topic: TopicName,
  schema: S,
): EventContract<T, V, S> {
  return { type, version, topic, schema };
}

export type PayloadOf<C> = C extends EventContract<string, number, infer S> ? z.infer<S> : never;
