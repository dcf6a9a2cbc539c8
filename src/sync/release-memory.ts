import v8 from "node:v8";
import vm from "node:vm";

let collect: (() => void) | null | undefined;

/**
 * A full garbage collection between slices of a large backfill. Each page arrives as one large
 * string that V8 keeps in its large-object space until a major GC, and its heuristics let that
 * space grow with the backlog (273 MiB peak for 1M events). Collecting after a committed slice
 * once the heap passes the budget keeps the peak flat for a few ms per slice.
 */
export function releaseMemory(budgetBytes = 32 * 2 ** 20): void {
  const heap = v8.getHeapStatistics();
  if (heap.used_heap_size + heap.external_memory < budgetBytes) return;
  if (collect === undefined) {
    try {
      v8.setFlagsFromString("--expose-gc");
      collect = vm.runInNewContext("gc") as () => void;
    } catch {
      collect = null;
    }
  }
  collect?.();
}
