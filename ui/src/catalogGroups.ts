import type { CatalogItem } from './api/types';

/** The grid's sections: items by category in the order the core gave them (uncategorised last, unnamed). */
export function byCategory(items: CatalogItem[]): { category: string | null; items: CatalogItem[] }[] {
  const groups: { category: string | null; items: CatalogItem[] }[] = [];
  for (const item of items) {
    const last = groups.at(-1);
    if (last && last.category === item.category) last.items.push(item);
    else groups.push({ category: item.category, items: [item] });
  }
  return groups;
}
