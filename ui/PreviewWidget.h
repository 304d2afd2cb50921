// The live preview: the pipeline's latest source picture, scaled to fit with its aspect ratio
// kept (black bars), or a placeholder sentence while there is no picture (not live, starting).
#pragma once

#include <QImage>
#include <QWidget>

namespace afk::ui {

class PreviewWidget : public QWidget
{
    Q_OBJECT
public:
    explicit PreviewWidget(QWidget *parent = nullptr);

    // Shows image until the next one (a null image shows the placeholder).
    void setImage(const QImage &image);
    void setPlaceholderText(const QString &text);
    bool isShowingPicture() const { return !m_image.isNull(); }
    QSize sizeHint() const override { return {480, 270}; }

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QImage m_image;
    QString m_placeholder;
};

} // namespace afk::ui
