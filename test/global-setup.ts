// Starts the local servers once per test run. Filled in as the local run grows.
export default async function setup(): Promise<() => Promise<void>> {
  return async () => {};
}
