// ${VAR} in the configuration file, so secrets stay in the environment (or .env) and out of a file
// that gets copied around, mounted into containers and pasted into tickets.

const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export interface Expansion {
  value: unknown;
  /** Variables named in the file but not set (or empty), with where they were named. */
  missing: Array<{ path: string; name: string }>;
  /** Paths of secret-bearing strings written into the file as they are, not as ${VAR}. */
  literalSecrets: string[];
}

/**
 * Replace ${VAR} in every string of `value` with the variable from `env`; `$$` is a literal `$`.
 * A missing variable is left as written (so later checks of that field are not misleading) and
 * listed in `missing`; the caller reports it by name.
 */
export function expandVariables(value: unknown, env: NodeJS.ProcessEnv): Expansion {
  const out: Expansion = { value: undefined, missing: [], literalSecrets: [] };
  const walk = (v: unknown, at: string): unknown => {
    if (typeof v === "string") {
      let referenced = false;
      const expanded = v.replace(REFERENCE, (whole, name: string | undefined) => {
        if (name === undefined) return "$";
        referenced = true;
        const found = env[name];
        if (found === undefined || found === "") {
          out.missing.push({ path: at, name });
          return whole;
        }
        return found;
      });
      if (!referenced && isSecret(at, v)) out.literalSecrets.push(at);
      return expanded;
    }
    if (Array.isArray(v)) return v.map((item, i) => walk(item, `${at}[${i}]`));
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(
        Object.entries(v).map(([k, item]) => [k, walk(item, at ? `${at}.${k}` : k)]),
      );
    }
    return v;
  };
  out.value = walk(value, "");
  return out;
}

/** A token, a password, or a proxy URL that carries a password. */
function isSecret(at: string, text: string): boolean {
  return /\.(token|password)$/.test(at) || (/\.proxy$/.test(at) && /:[^/@]*@/.test(text));
}
