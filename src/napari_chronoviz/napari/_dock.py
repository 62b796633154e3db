"""What every chronoviz dock is built on: controls in a scroll area, so a dock fits napari's window at any size."""

from __future__ import annotations

from magicgui.widgets import Container, Label
from qtpy.QtWidgets import QSizePolicy, QWidget
from superqt import QCollapsible


class ScrollingContainer(Container):
    """A vertical magicgui `Container` whose controls scroll inside the dock napari puts it in.

    magicgui's `scrollable=True` puts the controls in a scroll area, but its `native` is the widget inside it,
    which is what napari docks: the scroll area is dropped and the dock is as tall and wide as every control,
    growing napari's window past the screen. Here `native` is the scroll area itself.
    """

    def __init__(self, **kwargs):
        super().__init__(scrollable=True, **kwargs)

    @property
    def native(self):
        """The scroll area around the controls (what napari docks)."""
        return self.root_native_widget

    def add_group(self, title: str, controls: list, *, expanded: bool) -> QCollapsible:
        """`controls` in a collapsible group below the others, so the dock is as short as the user wants.

        `controls` are magicgui widgets, or Qt widgets where magicgui has none (a single-choice list).

        Returns
        -------
        QCollapsible
            The group.
        """
        group = Container(widgets=[control for control in controls if not isinstance(control, QWidget)])
        for position, control in enumerate(controls):
            if isinstance(control, QWidget):
                group.native.layout().insertWidget(position, control)
            else:  # file paths and long names must not widen the dock past the window
                control.native.setMinimumWidth(0)
        collapsible = QCollapsible(title)
        collapsible.addWidget(group.native)
        if expanded:
            collapsible.expand(animate=False)
        self.native.widget().layout().addWidget(collapsible)
        return collapsible


def side_by_side(*controls) -> Container:
    """`controls` side by side without labels (e.g. Start and Stop), taking one line of a dock."""
    container = Container(widgets=list(controls), layout="horizontal", labels=False)
    container.margins = (0, 0, 0, 0)
    return container


def wrapping(label: Label) -> Label:
    """`label` with its text wrapped to the dock's width: a long line (a key's description) does not widen the dock."""
    label.native.setWordWrap(True)
    # magicgui fixes a label's size policy, which makes the width of its longest line its minimum
    label.native.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
    return label
