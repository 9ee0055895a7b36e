// A file picker labelled in the console's language (选择文件 / 未选择文件),
// not the browser's: the real <input type=file> stays in the page (tests
// set files on it, the keyboard reaches it: Tab, then Enter or Space) but
// is not drawn; a button opens it and the chosen name shows beside it.
import { h } from '../dom.js';
import { t } from '../i18n.js';

// input: the <input type=file>, kept (the caller reads input.files; after
// input.value = '' it dispatches 'change' to repaint).  Returns the node.
export function filePicker(input) {
	input.classList.add('file-native');
	const name = h('span', { class: 'file-name muted' });
	const paint = () => {
		name.textContent = input.files && input.files.length ? [...input.files].map((f) => f.name).join('、') : t('file.none');
	};
	input.addEventListener('change', paint);
	paint();
	return h('span', { class: 'file-pick' }, input,
		h('button', { type: 'button', class: 'btn btn-sm', tabindex: '-1', 'aria-hidden': 'true', onclick: () => input.click() }, t('file.choose')),
		' ', name);
}
