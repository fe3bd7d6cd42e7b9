// Job payloads, parsed with zod: a bad payload fails the job with a readable message.
import { z } from "zod";

export const clientId = z
  .string({ required_error: "client_id is required", invalid_type_error: "client_id must be a string" })
  .regex(/^[A-Za-z0-9_-]{1,64}$/, "client_id must be 1-64 characters of A-Z a-z 0-9 _ -");

export const loadPayload = z
  .object({
    client_id: clientId,
    files: z.array(z.string().min(1)).optional(),
    source: z.enum(["files", "database", "all"]).optional(),
    full: z.boolean().optional(),
  })
  .strict();
export const analyzePayload = z.object({ client_id: clientId, as_of: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional() }).strict();
export const emptyPayload = z.object({}).passthrough();

export type LoadPayload = z.infer<typeof loadPayload>;
export type AnalyzePayload = z.infer<typeof analyzePayload>;

/** Parse or throw an Error whose message says which field is wrong and why. */
export function parsePayload<T>(schema: z.ZodType<T>, task: string, payload: unknown): T {
  const res = schema.safeParse(payload ?? {});
  if (!res.success) {
    const why = res.error.issues.map((i) => `${i.path.join(".") || "payload"}: ${i.message}`).join("; ");
    throw new Error(`${task}: bad payload — ${why}`);
  }
  return res.data;
}

declare global {
  namespace GraphileWorker {
    interface Tasks {
      load: LoadPayload;
      analyze: AnalyzePayload;
      sweep: Record<string, never>;
      scan_inbox: Record<string, never>;
    }
  }
}
