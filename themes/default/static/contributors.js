// site/contributors/index.html: re-sorts the table by patches, reviews or
// last activity, and filters it by name or address. The page works without
// this script (static order: patches). Rows are only moved and hidden; no
// archive text is ever parsed as HTML.
(function () {
  'use strict';
  const table = document.getElementById('people');
  if (!table || !table.tBodies[0]) return;
  const body = table.tBodies[0];
  const rows = Array.from(body.rows);
  const order = new Map(rows.map((row, i) => [row, i]));
  const keys = {
    patches: (row) => Number(row.dataset.patches),
    reviews: (row) => Number(row.dataset.reviews),
    last: (row) => row.dataset.last,
  };
  const headers = Array.from(table.tHead.querySelectorAll('th[data-sort]'));

  // Highest first; ties keep the page's order (patches, reviews, name).
  function sortBy(name) {
    const key = keys[name];
    const sorted = rows.slice().sort((a, b) => {
      const x = key(a), y = key(b);
      if (x !== y) return x < y ? 1 : -1;
      return order.get(a) - order.get(b);
    });
    body.append(...sorted);
    for (const th of headers) {
      th.setAttribute('aria-sort', th.dataset.sort === name ? 'descending' : 'none');
    }
  }

  for (const th of headers) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'sort';
    button.textContent = th.textContent;
    th.textContent = '';
    th.appendChild(button);
    button.addEventListener('click', () => sortBy(th.dataset.sort));
  }

  const input = document.getElementById('filter');
  const shown = document.getElementById('shown');
  if (!input) return;
  const haystack = new Map(rows.map((row) => [row, (row.dataset.filter || '').toLowerCase()]));
  function filter() {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    let visible = 0;
    for (const row of rows) {
      const text = haystack.get(row);
      row.hidden = !words.every((w) => text.includes(w));
      if (!row.hidden) visible++;
    }
    if (shown) shown.textContent = words.length ? `${visible} of ${rows.length} shown` : '';
  }
  input.addEventListener('input', filter);
  input.closest('.filter').hidden = false;
  filter();
})();
