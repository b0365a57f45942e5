// A small stand-in application for the examples: parses a CSV of products,
// indexes it, and renders a report. Allocates in a few distinct places.
'use strict';

function makeCsv(rows) {
  const lines = ['id,name,category,price,stock'];
  for (let i = 0; i < rows; i++) {
    lines.push(`${i},product-${i},category-${i % 17},${(i * 7919) % 1000}.99,${i % 250}`);
  }
  return lines.join('\n');
}

function parseCsv(text) {
  const [header, ...lines] = text.split('\n');
  const keys = header.split(',');
  return lines.map((line) => {
    const cells = line.split(',');
    const record = {};
    keys.forEach((key, i) => {
      record[key] = cells[i];
    });
    return record;
  });
}

function indexByCategory(records) {
  const index = new Map();
  for (const record of records) {
    let bucket = index.get(record.category);
    if (bucket === undefined) index.set(record.category, (bucket = []));
    bucket.push(record);
  }
  return index;
}

function renderReport(index) {
  const out = [];
  for (const [category, items] of index) {
    const total = items.reduce((sum, item) => sum + Number(item.price) * Number(item.stock), 0);
    out.push(`${category}: ${items.length} items, stock value ${total.toFixed(2)}`);
  }
  return out.join('\n');
}

/** Runs the whole job on `rows` products; returns what a real app would keep. */
function runInventory(rows = 20000) {
  const records = parseCsv(makeCsv(rows));
  const index = indexByCategory(records);
  const report = renderReport(index);
  return { records, index, report };
}

module.exports = { runInventory, makeCsv, parseCsv, indexByCategory, renderReport };
