// For leads and owners, online: the space's members and their roles. Owners add people and
// change or remove them; leads see the list. The server decides (roles are read from its
// database at every request); this screen only asks.

import type { Role } from '../../client/index.js';
import { h } from '../dom.js';
import { enc, type App, type Screen } from '../shell.js';

const ROLES: Role[] = ['owner', 'lead', 'member', 'viewer'];

export async function membersScreen(app: App, spaceId: string): Promise<Screen> {
  const space = await app.client.space(spaceId);
  const back = h('a', { href: `#/space/${enc(spaceId)}` }, 'Back to the space');
  let members;
  try {
    members = await app.admin.members(spaceId);
  } catch (e) {
    return { title: 'Members', body: h('section', {}, h('p', { class: 'error' },
      `The member list needs a connection to the server: ${(e as Error).message}`), back) };
  }
  const owner = space?.role === 'owner';
  const act = async (what: () => Promise<void>, done: string) => {
    try {
      await what();
      app.notify(done, 'success');
      app.go(`#/space/${enc(spaceId)}/members`);
    } catch (e) {
      app.notify((e as Error).message, 'error');
    }
  };
  const roleSelect = (id: string, value: Role, label: string) =>
    h('select', { id, 'aria-label': label }, ROLES.map((r) => h('option', { value: r, selected: r === value }, r)));

  const person = h('input', { id: 'add-person', required: true, maxlength: 255, autocomplete: 'off' });
  const addRole = roleSelect('add-role', 'member', 'Role of the new member');
  const add = h('form', { class: 'card' }, h('h2', {}, 'Add a member'),
    h('label', { for: 'add-person' }, 'Person (as their sign-in names them)'), person,
    h('label', { for: 'add-role' }, 'Role'), addRole,
    h('button', { type: 'submit', class: 'primary' }, 'Add'));
  add.addEventListener('submit', (e) => {
    e.preventDefault();
    void act(() => app.admin.setRole(spaceId, person.value.trim(), addRole.value as Role), `Added ${person.value.trim()}`);
  });

  return {
    title: `Members of ${space?.name ?? spaceId}`,
    body: h('section', {},
      h('table', { class: 'members' },
        h('caption', { class: 'visually-hidden' }, 'Members and roles'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Person'), h('th', { scope: 'col' }, 'Role'),
          h('th', { scope: 'col', class: 'wide' }, 'Since'), owner ? h('th', { scope: 'col' }, 'Change') : null)),
        h('tbody', {}, members.map((m) => {
          const sel = roleSelect(`role-${m.person}`, m.role, `Role of ${m.person}`);
          return h('tr', { 'data-person': m.person },
            h('th', { scope: 'row' }, m.person),
            h('td', {}, owner ? sel : m.role),
            h('td', { class: 'wide' }, new Date(m.since).toLocaleDateString()),
            owner ? h('td', {},
              h('button', { type: 'button', onclick: () => act(() => app.admin.setRole(spaceId, m.person, sel.value as Role),
                `${m.person} is now ${sel.value}`) }, 'Save role'),
              h('button', { type: 'button', class: 'danger', onclick: () => act(() => app.admin.removeMember(spaceId, m.person),
                `Removed ${m.person}`) }, 'Remove')) : null);
        }))),
      owner ? add : h('p', { class: 'help' }, 'Only owners change members.'),
      back),
  };
}
