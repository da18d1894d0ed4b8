const EMPTY_ID = /"id"\s*:\s*""/;

interface ToolCallDelta {
  id?: string;
}

/**
 * DashScope repeats `"id": ""` on every delta that continues a tool call; OpenAI sends the id on the first delta only,
 * and clients that concatenate or compare ids per index would be misled. The empty id is dropped; a chunk without one
 * passes untouched (and unparsed).
 */
export function dropEmptyToolCallIds(payload: string): string {
  if (!EMPTY_ID.test(payload)) return payload;
  const chunk = JSON.parse(payload) as { choices?: { delta?: { tool_calls?: ToolCallDelta[] } }[] };
  let changed = false;
  for (const choice of chunk.choices ?? []) {
    for (const call of choice.delta?.tool_calls ?? []) {
      if (call.id === '') {
        delete call.id;
        changed = true;
      }
    }
  }
  return changed ? JSON.stringify(chunk) : payload;
}
