// A thin promise layer over IndexedDB: one place that knows how requests and transactions
// complete, so the store above it reads as plain async code. A transaction's promise settles
// when IndexedDB says it committed (or aborted), never when the last request succeeded: only
// then is a write durable enough to acknowledge to the person.

export type StoreName = string;

export function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

export function openDatabase(name: string, version: number,
                             upgrade: (db: IDBDatabase, oldVersion: number) => void): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name, version);
    req.onupgradeneeded = (e) => upgrade(req.result, e.oldVersion);
    req.onsuccess = () => {
      // A newer version of the app opened in another tab: let it upgrade, and reload here.
      req.result.onversionchange = () => { req.result.close(); location.reload(); };
      resolve(req.result);
    };
    req.onerror = () => reject(req.error ?? new Error(`cannot open ${name}`));
    req.onblocked = () => reject(new Error(`${name} is open in an older version of the app; close its other tabs`));
  });
}

// Runs `body` in one transaction over `stores`; resolves with its result once committed. The
// body must only await IndexedDB requests of this transaction (any other await lets it commit
// early), which every caller in the store respects.
export async function transact<T>(db: IDBDatabase, stores: StoreName[], mode: IDBTransactionMode,
                                  body: (tx: IDBTransaction) => Promise<T>): Promise<T> {
  const tx = db.transaction(stores, mode, { durability: 'strict' } as IDBTransactionOptions);
  const done = new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
    tx.onerror = () => reject(tx.error ?? new Error('transaction failed'));
  });
  let result: T;
  try {
    result = await body(tx);
  } catch (e) {
    try { tx.abort(); } catch { /* already finished */ }
    await done.catch(() => undefined);
    throw e;
  }
  await done;
  return result;
}

export function all<T>(store: IDBObjectStore | IDBIndex, query?: IDBValidKey | IDBKeyRange): Promise<T[]> {
  return request(store.getAll(query) as IDBRequest<T[]>);
}
