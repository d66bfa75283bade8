/**
 * Imported once per thread by the catalog loader, only to learn whether this thread can import
 * TypeScript by itself (under tsx or vitest, or with Node's type stripping); if not, catalog
 * modules written in TypeScript are loaded through tsx. Shipped as source: it must stay `.ts`.
 * @internal
 */
export const typescript: boolean = true;
