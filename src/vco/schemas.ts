import * as z from "zod";

// Lenient about what the VCO adds, strict about what this tool relies on.

export const rpcErrorSchema = z.object({
  error: z.object({
    code: z.number(),
    message: z.string().default(""),
    data: z.unknown().optional(),
  }),
});

export const enterpriseSchema = z.looseObject({
  id: z.number().int().positive(),
  name: z.string().nullable().optional(),
  logicalId: z.string().nullable().optional(),
});
export type Enterprise = { id: number; name: string; logicalId?: string | undefined };

export const enterpriseListSchema = z.array(enterpriseSchema);

/** An event exactly as the VCO sent it. Never rebuilt: it is written back out unchanged. */
export type RawEvent = Record<string, unknown>;
