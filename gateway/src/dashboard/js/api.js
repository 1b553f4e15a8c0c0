// The gateway's API, with the token from sessionStorage (this tab only). At most MAX_IN_FLIGHT requests
// at once (the gateway allows a token 8), and forget() aborts every request still running.

const TOKEN_KEY = "pm-token";
const MAX_IN_FLIGHT = 4;

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

let controller = new AbortController();
let inFlight = 0;
const waiting = [];

/** Aborts every request in flight or waiting; their callers see an AbortError. */
export function abortAll() {
  controller.abort();
  controller = new AbortController();
}

async function slot(signal) {
  if (inFlight < MAX_IN_FLIGHT) {
    inFlight++;
    return;
  }
  await new Promise((resolve, reject) => {
    const onAbort = () => {
      waiting.splice(waiting.indexOf(take), 1);
      reject(signal.reason);
    };
    const take = () => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    };
    waiting.push(take);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function release() {
  const next = waiting.shift();
  if (next) next();
  else inFlight--;
}

export async function api(path, body) {
  const { signal } = controller;
  signal.throwIfAborted();
  await slot(signal);
  try {
    const response = await fetch(path, {
      method: body ? "POST" : "GET",
      headers: { authorization: `Bearer ${token.get()}`, "content-type": "application/json" },
      body: body ? JSON.stringify(body) : undefined,
      signal,
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error(answer.error?.message ?? `HTTP ${response.status}`);
      error.status = response.status;
      throw error;
    }
    return answer;
  } finally {
    release();
  }
}

export const isAbort = (error) => error?.name === "AbortError";
