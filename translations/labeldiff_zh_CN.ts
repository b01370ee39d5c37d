<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>ld::AnnotationEditor</name>
    <message>
        <source>Accept proposal</source>
        <translation>接受候选</translation>
    </message>
    <message>
        <source>Brush</source>
        <translation>画笔</translation>
    </message>
    <message>
        <source>Erase</source>
        <translation>擦除</translation>
    </message>
    <message>
        <source>Polygon</source>
        <translation>多边形</translation>
    </message>
    <message>
        <source>Fill holes</source>
        <translation>填充孔洞</translation>
    </message>
    <message>
        <source>Remove specks</source>
        <translation>去除斑点</translation>
    </message>
    <message>
        <source>Subtract mask</source>
        <translation>减去掩码</translation>
    </message>
    <message>
        <source>Add mask</source>
        <translation>加上掩码</translation>
    </message>
    <message>
        <source>Change category</source>
        <translation>更改类别</translation>
    </message>
    <message>
        <source>Delete annotation</source>
        <translation>删除标注</translation>
    </message>
    <message>
        <source>Mark reviewed</source>
        <translation>标记为已审核</translation>
    </message>
</context>
<context>
    <name>ld::Autosave</name>
    <message>
        <source>Autosave failed: %1</source>
        <translation>自动保存失败：%1</translation>
    </message>
</context>
<context>
    <name>ld::BatchLabeler</name>
    <message numerus="yes">
        <source>%n left as they were: edits undone on them can still be redone</source>
        <translation><numerusform>%n 项保持原样：其上撤销的编辑仍可重做</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Batch labelling cancelled after %n image(s)</source>
        <translation><numerusform>批量标注已在 %n 张图像后取消</numerusform></translation>
    </message>
    <message>
        <source>Batch labelling stopped: another project was opened</source>
        <translation>批量标注已停止：打开了另一个项目</translation>
    </message>
    <message>
        <source>Batch labelling is already running.</source>
        <translation>批量标注正在运行。</translation>
    </message>
    <message>
        <source>No model is loaded: choose a model directory in the sampler settings.</source>
        <translation>未加载模型：请在采样器设置中选择模型目录。</translation>
    </message>
    <message>
        <source>Add at least one category to label with.</source>
        <translation>请至少添加一个用于标注的类别。</translation>
    </message>
    <message>
        <source>There are no images to label with these options.</source>
        <translation>按这些选项没有需要标注的图像。</translation>
    </message>
    <message>
        <source>Labelling all images</source>
        <translation>正在标注全部图像</translation>
    </message>
    <message numerus="yes">
        <source>Labelled %n image(s)</source>
        <translation><numerusform>已标注 %n 张图像</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n failed: %1</source>
        <translation><numerusform>%n 张失败：%1</numerusform></translation>
    </message>
    <message>
        <source>%1: the model returned a %2×%3 mask for a %4×%5 image</source>
        <translation>%1：模型为 %4×%5 的图像返回了 %2×%3 的掩码</translation>
    </message>
    <message>
        <source>Label %1 by model</source>
        <translation>由模型标注 %1</translation>
    </message>
</context>
<context>
    <name>ld::HistogramView</name>
    <message>
        <source>Histogram of the soft mask; the line is the threshold τ. Click to set τ.</source>
        <translation>软掩码的直方图；竖线为阈值 τ。点击可设置 τ。</translation>
    </message>
</context>
<context>
    <name>ld::ImageBrowser</name>
    <message>
        <source> · %1 % disputed</source>
        <translation> · %1 % 有分歧</translation>
    </message>
    <message>
        <source>Most uncertain first: the images whose proposals the model&apos;s ensemble disputed most (N opens the next one, Space accepts and moves on)</source>
        <translation>最不确定优先：模型集成分歧最大的候选所在的图像（N 打开下一张，空格接受并继续）</translation>
    </message>
    <message>
        <source>Most uncertain first</source>
        <translation>最不确定优先</translation>
    </message>
    <message>
        <source>Project order</source>
        <translation>项目顺序</translation>
    </message>
    <message>
        <source>Show only images with this status, or those with model proposals not yet reviewed</source>
        <translation>只显示处于此状态的图像，或尚有未审阅模型候选的图像</translation>
    </message>
    <message>
        <source>To review (model proposals)</source>
        <translation>待审阅（模型候选）</translation>
    </message>
    <message>
        <source>Making thumbnails</source>
        <translation>正在生成缩略图</translation>
    </message>
    <message>
        <source>unlabelled</source>
        <translation>未标注</translation>
    </message>
    <message>
        <source>labelled</source>
        <translation>已标注</translation>
    </message>
    <message>
        <source>reviewed</source>
        <translation>已审核</translation>
    </message>
    <message>
        <source>All images</source>
        <translation>全部图像</translation>
    </message>
    <message>
        <source>Unlabelled</source>
        <translation>未标注</translation>
    </message>
    <message>
        <source>Labelled</source>
        <translation>已标注</translation>
    </message>
    <message>
        <source>Reviewed</source>
        <translation>已审核</translation>
    </message>
    <message>
        <source>Show only images with this status</source>
        <translation>只显示此状态的图像</translation>
    </message>
    <message numerus="yes">
        <source>%1
%2 · %n annotation(s)</source>
        <translation><numerusform>%1
%2 · %n 个标注</numerusform></translation>
    </message>
</context>
<context>
    <name>ld::InferenceWorker</name>
    <message>
        <source>The training run let the GPU go: the model is back on it</source>
        <translation>训练已释放 GPU：模型已回到 GPU 上</translation>
    </message>
    <message>
        <source>A training run needs %1: the model runs on the CPU until it ends</source>
        <translation>训练需要 %1：在训练结束前模型在 CPU 上运行</translation>
    </message>
    <message>
        <source>No model is loaded: choose a model directory in the sampler settings.</source>
        <translation>未加载模型：请在采样器设置中选择模型目录。</translation>
    </message>
</context>
<context>
    <name>ld::LossPlot</name>
    <message>
        <source>step</source>
        <translation>步</translation>
    </message>
    <message>
        <source>%1 (smoothed)</source>
        <translation>%1（平滑）</translation>
    </message>
</context>
<context>
    <name>ld::MainWindow</name>
    <message>
        <source>Loading model %1</source>
        <translation>正在加载模型 %1</translation>
    </message>
    <message>
        <source>Loading %1 cancelled</source>
        <translation>已取消加载 %1</translation>
    </message>
    <message>
        <source>%1

Still using %2.</source>
        <translation>%1

仍在使用 %2。</translation>
    </message>
    <message>
        <source>loaded</source>
        <translation>已加载</translation>
    </message>
    <message>
        <source>No proposals left to review.</source>
        <translation>没有待审阅的候选了。</translation>
    </message>
    <message>
        <source>Shift+U</source>
        <translation>Shift+U</translation>
    </message>
    <message>
        <source>&amp;Highlight Uncertain Proposals</source>
        <translation>突出显示不确定的候选(&amp;H)</translation>
    </message>
    <message>
        <source>Accept Image and Next &amp;Uncertain</source>
        <translation>接受图像并转到下一张不确定图像(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Next Uncertain Image</source>
        <translation>下一张不确定图像(&amp;N)</translation>
    </message>
    <message>
        <source>Opening %1</source>
        <translation>正在打开 %1</translation>
    </message>
    <message>
        <source>Importing %1</source>
        <translation>正在导入 %1</translation>
    </message>
    <message>
        <source>Exporting %1</source>
        <translation>正在导出 %1</translation>
    </message>
    <message>
        <source>Reading image</source>
        <translation>正在读取图像</translation>
    </message>
    <message>
        <source>Prompts</source>
        <translation>提示</translation>
    </message>
    <message>
        <source>Sampler</source>
        <translation>采样器</translation>
    </message>
    <message>
        <source>no model</source>
        <translation>无模型</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>Open &amp;Folder…</source>
        <translation>打开文件夹(&amp;F)…</translation>
    </message>
    <message>
        <source>Open a folder of images or a dataset</source>
        <translation>打开图像文件夹或数据集</translation>
    </message>
    <message>
        <source>Open &amp;Project or Dataset…</source>
        <translation>打开项目或数据集(&amp;P)…</translation>
    </message>
    <message>
        <source>Ctrl+Shift+O</source>
        <translation>Ctrl+Shift+O</translation>
    </message>
    <message>
        <source>Open a project or a dataset</source>
        <translation>打开项目或数据集</translation>
    </message>
    <message>
        <source>Projects and datasets (*.labeldiff *.json);;All files (*)</source>
        <translation>项目和数据集 (*.labeldiff *.json);;所有文件 (*)</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>保存(&amp;S)</translation>
    </message>
    <message>
        <source>Save &amp;As…</source>
        <translation>另存为(&amp;A)…</translation>
    </message>
    <message>
        <source>Save the project</source>
        <translation>保存项目</translation>
    </message>
    <message>
        <source>Projects (*.labeldiff)</source>
        <translation>项目 (*.labeldiff)</translation>
    </message>
    <message>
        <source>&amp;Import…</source>
        <translation>导入(&amp;I)…</translation>
    </message>
    <message>
        <source>Ctrl+I</source>
        <translation>Ctrl+I</translation>
    </message>
    <message>
        <source>&amp;Export…</source>
        <translation>导出(&amp;E)…</translation>
    </message>
    <message>
        <source>Ctrl+E</source>
        <translation>Ctrl+E</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation>撤销(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>重做(&amp;R)</translation>
    </message>
    <message>
        <source>Ctrl+Y</source>
        <translation>Ctrl+Y</translation>
    </message>
    <message>
        <source>&amp;Accept Proposal</source>
        <translation>接受候选(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Reject Proposal</source>
        <translation>拒绝候选(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Select / Pan</source>
        <translation>选择 / 平移(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Brush</source>
        <translation>画笔(&amp;B)</translation>
    </message>
    <message>
        <source>&amp;Eraser</source>
        <translation>橡皮擦(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;Polygon</source>
        <translation>多边形(&amp;P)</translation>
    </message>
    <message>
        <source>Bigger Brush</source>
        <translation>增大画笔</translation>
    </message>
    <message>
        <source>Smaller Brush</source>
        <translation>减小画笔</translation>
    </message>
    <message>
        <source>&amp;Fill Holes</source>
        <translation>填充孔洞(&amp;F)</translation>
    </message>
    <message>
        <source>Ctrl+H</source>
        <translation>Ctrl+H</translation>
    </message>
    <message>
        <source>Remove Spec&amp;ks</source>
        <translation>去除斑点(&amp;K)</translation>
    </message>
    <message>
        <source>Ctrl+K</source>
        <translation>Ctrl+K</translation>
    </message>
    <message>
        <source>&amp;Change Category to Current</source>
        <translation>改为当前类别(&amp;C)</translation>
    </message>
    <message>
        <source>Ctrl+G</source>
        <translation>Ctrl+G</translation>
    </message>
    <message>
        <source>&amp;Delete Annotation</source>
        <translation>删除标注(&amp;D)</translation>
    </message>
    <message>
        <source>Mark Image &amp;Reviewed</source>
        <translation>将图像标记为已审核(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>Zoom to &amp;Fit</source>
        <translation>适应窗口(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Actual Size</source>
        <translation>实际大小(&amp;A)</translation>
    </message>
    <message>
        <source>Zoom &amp;In</source>
        <translation>放大(&amp;I)</translation>
    </message>
    <message>
        <source>Zoom &amp;Out</source>
        <translation>缩小(&amp;O)</translation>
    </message>
    <message>
        <source>Show &amp;Annotations</source>
        <translation>显示标注(&amp;A)</translation>
    </message>
    <message>
        <source>F&amp;ill Masks</source>
        <translation>填充掩码(&amp;I)</translation>
    </message>
    <message>
        <source>Shift+F</source>
        <translation>Shift+F</translation>
    </message>
    <message>
        <source>&amp;Outlines</source>
        <translation>轮廓(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Soft Mask Layer</source>
        <translation>软掩码图层(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Uncertainty Layer</source>
        <translation>不确定性图层(&amp;U)</translation>
    </message>
    <message>
        <source>More Opaque</source>
        <translation>更不透明</translation>
    </message>
    <message>
        <source>Shift+Up</source>
        <translation>Shift+Up</translation>
    </message>
    <message>
        <source>Less Opaque</source>
        <translation>更透明</translation>
    </message>
    <message>
        <source>Shift+Down</source>
        <translation>Shift+Down</translation>
    </message>
    <message>
        <source>&amp;Next Image</source>
        <translation>下一张图像(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Previous Image</source>
        <translation>上一张图像(&amp;P)</translation>
    </message>
    <message>
        <source>Play &amp;Trajectory</source>
        <translation>播放轨迹(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Label</source>
        <translation>标注(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Segment Phrase</source>
        <translation>分割短语(&amp;S)</translation>
    </message>
    <message>
        <source>Ctrl+Return</source>
        <translation>Ctrl+Return</translation>
    </message>
    <message>
        <source>Segment All &amp;Categories</source>
        <translation>分割全部类别(&amp;C)</translation>
    </message>
    <message>
        <source>Ctrl+Shift+Return</source>
        <translation>Ctrl+Shift+Return</translation>
    </message>
    <message>
        <source>&amp;Cancel</source>
        <translation>取消(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;New Seed</source>
        <translation>新种子(&amp;N)</translation>
    </message>
    <message>
        <source>Ctrl+R</source>
        <translation>Ctrl+R</translation>
    </message>
    <message>
        <source>&amp;Label All Images…</source>
        <translation>标注全部图像(&amp;L)…</translation>
    </message>
    <message>
        <source>Ctrl+L</source>
        <translation>Ctrl+L</translation>
    </message>
    <message>
        <source>&amp;Settings</source>
        <translation>设置(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Keyboard Shortcuts</source>
        <translation>键盘快捷键(&amp;K)</translation>
    </message>
    <message>
        <source>&amp;About LabelDiff</source>
        <translation>关于 LabelDiff(&amp;A)</translation>
    </message>
    <message>
        <source>About LabelDiff</source>
        <translation>关于 LabelDiff</translation>
    </message>
    <message>
        <source>LabelDiff %1
Label images by text prompt with label diffusion.</source>
        <translation>LabelDiff %1
用标签扩散按文本提示标注图像。</translation>
    </message>
    <message>
        <source>Tools</source>
        <translation>工具</translation>
    </message>
    <message>
        <source>brush </source>
        <translation>画笔 </translation>
    </message>
    <message>
        <source> px</source>
        <translation> 像素</translation>
    </message>
    <message>
        <source>Exported %1</source>
        <translation>已导出 %1</translation>
    </message>
    <message>
        <source>model: %1</source>
        <translation>模型：%1</translation>
    </message>
    <message>
        <source>device: %1</source>
        <translation>设备：%1</translation>
    </message>
    <message>
        <source>%1 on %2</source>
        <translation>%1，运行于 %2</translation>
    </message>
    <message>
        <source>Model %1 loaded</source>
        <translation>模型 %1 已加载</translation>
    </message>
    <message>
        <source>Not loaded</source>
        <translation>未加载</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>Segmentation cancelled</source>
        <translation>分割已取消</translation>
    </message>
    <message>
        <source>LabelDiff</source>
        <translation>LabelDiff</translation>
    </message>
    <message>
        <source>Opening %1…</source>
        <translation>正在打开 %1…</translation>
    </message>
    <message numerus="yes">
        <source>%n image(s)</source>
        <translation><numerusform>%n 张图像</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>, %n warning(s) while reading: %1</source>
        <translation><numerusform>，读取时有 %n 条警告：%1</numerusform></translation>
    </message>
    <message>
        <source>Nothing to open in %1: %2</source>
        <translation>%1 中没有可打开的内容：%2</translation>
    </message>
    <message>
        <source>%1  %2 × %3</source>
        <translation>%1  %2 × %3</translation>
    </message>
    <message>
        <source> (model, not reviewed)</source>
        <translation>（模型生成，未审核）</translation>
    </message>
    <message>
        <source>Open an image to segment first.</source>
        <translation>请先打开要分割的图像。</translation>
    </message>
    <message>
        <source>The model is still loading.</source>
        <translation>模型仍在加载。</translation>
    </message>
    <message>
        <source>No model is loaded: choose a model directory in the sampler settings.</source>
        <translation>未加载模型：请在采样器设置中选择模型目录。</translation>
    </message>
    <message>
        <source>Segmenting “%1”</source>
        <translation>正在分割“%1”</translation>
    </message>
    <message>
        <source>last: %1 ms (%2 ms/step)</source>
        <translation>上次：%1 毫秒（每步 %2 毫秒）</translation>
    </message>
    <message>
        <source>done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>Accept proposal</source>
        <translation>接受候选</translation>
    </message>
    <message>
        <source>The project was not saved: %1</source>
        <translation>项目未保存：%1</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
    <message>
        <source>Unknown export format “%1”</source>
        <translation>未知的导出格式“%1”</translation>
    </message>
    <message>
        <source>An export is already running.</source>
        <translation>导出正在进行。</translation>
    </message>
    <message>
        <source>Unknown import format “%1”</source>
        <translation>未知的导入格式“%1”</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <source>RLE (exact, keeps holes)</source>
        <translation>RLE（精确，保留孔洞）</translation>
    </message>
    <message>
        <source>Polygons</source>
        <translation>多边形</translation>
    </message>
    <message>
        <source>Format</source>
        <translation>格式</translation>
    </message>
    <message>
        <source>Masks as</source>
        <translation>掩码保存为</translation>
    </message>
    <message>
        <source>Export to</source>
        <translation>导出到</translation>
    </message>
    <message>
        <source>Import annotations</source>
        <translation>导入标注</translation>
    </message>
    <message>
        <source>Label all images</source>
        <translation>标注全部图像</translation>
    </message>
    <message>
        <source>Segment every category's prompt on each image with the current sampler settings.
Annotations made by people are never changed.</source>
        <translation>用当前采样器设置在每张图像上分割每个类别的提示。
人工所做的标注永远不会被更改。</translation>
    </message>
    <message>
        <source>Only images without annotations</source>
        <translation>仅限没有标注的图像</translation>
    </message>
    <message>
        <source>Keep existing model annotations</source>
        <translation>保留已有的模型标注</translation>
    </message>
    <message>
        <source>Restored the autosave of %1</source>
        <translation>已恢复 %1 的自动保存</translation>
    </message>
    <message>
        <source>The autosave could not be restored: %1</source>
        <translation>无法恢复自动保存：%1</translation>
    </message>
    <message>
        <source>Restore autosave?</source>
        <translation>恢复自动保存？</translation>
    </message>
    <message numerus="yes">
        <source>LabelDiff did not close cleanly. An autosave of %1 from %2 (%n annotation(s)) was found.
Restore it?</source>
        <translation><numerusform>LabelDiff 上次未正常关闭。找到了 %1 于 %2 的自动保存（%n 个标注）。
是否恢复？</numerusform></translation>
    </message>
    <message>
        <source>Unsaved changes</source>
        <translation>未保存的更改</translation>
    </message>
    <message>
        <source>The project has unsaved changes. Save them?</source>
        <translation>项目有未保存的更改。是否保存？</translation>
    </message>
    <message>
        <source>%1%2 — LabelDiff</source>
        <translation>%1%2 — LabelDiff</translation>
    </message>
    <message>
        <source>memory: %1 MB</source>
        <translation>内存：%1 MB</translation>
    </message>
    <message>
        <source>Choose a model directory first.</source>
        <translation>请先选择模型目录。</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>loading model…</source>
        <translation>正在加载模型…</translation>
    </message>
    <message>
        <source>Training</source>
        <translation>训练</translation>
    </message>
    <message>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>&amp;Training</source>
        <translation>训练(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Training Panel</source>
        <translation>训练面板(&amp;T)</translation>
    </message>
    <message>
        <source>Ctrl+Shift+T</source>
        <translation>Ctrl+Shift+T</translation>
    </message>
    <message>
        <source>&amp;Model Manager</source>
        <translation>模型管理器(&amp;M)</translation>
    </message>
    <message>
        <source>Ctrl+Shift+M</source>
        <translation>Ctrl+Shift+M</translation>
    </message>
    <message>
        <source>Restored the autosave of %1. Pick an image to go on.</source>
        <translation>已恢复 %1 的自动保存。请选择一张图像继续。</translation>
    </message>
    <message>
        <source>CPU &amp;threads…</source>
        <translation>CPU 线程(&amp;T)…</translation>
    </message>
    <message>
        <source>CPU threads</source>
        <translation>CPU 线程</translation>
    </message>
    <message numerus="yes">
        <source>Threads for the model on the CPU (0: automatic, the cores other programs leave free, up to %n, chosen again for each image):</source>
        <translation><numerusform>模型在 CPU 上使用的线程数（0：自动，即其他程序空出的核心数，最多 %n 个，每张图像重新选择）：</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>device: %1, %n thread(s)</source>
        <translation><numerusform>设备：%1，%n 个线程</numerusform></translation>
    </message>
    <message>
        <source>&apos;%1&apos; (confidence %2 &lt; %3)</source>
        <translation>“%1”（置信度 %2 &lt; %3）</translation>
    </message>
    <message>
        <source>Not found: %1. Move τ to see the model&apos;s mask anyway.</source>
        <translation>未找到：%1。移动 τ 仍可查看模型的掩码。</translation>
    </message>
</context>
<context>
    <name>ld::ModelManager</name>
    <message>
        <source>Checking %1</source>
        <translation>正在检查 %1</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>添加…</translation>
    </message>
    <message>
        <source>Add a model directory from disk.</source>
        <translation>从磁盘添加模型目录。</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Forget the model (nothing is deleted from disk).</source>
        <translation>从列表中移除该模型（不会删除磁盘上的文件）。</translation>
    </message>
    <message>
        <source>Set Default</source>
        <translation>设为默认</translation>
    </message>
    <message>
        <source>The model the training panel fine-tunes by default and the app loads first.</source>
        <translation>训练面板默认微调、应用程序首先加载的模型。</translation>
    </message>
    <message>
        <source>Make Active</source>
        <translation>设为当前模型</translation>
    </message>
    <message>
        <source>Label with this model from now on.</source>
        <translation>从现在起用这个模型标注。</translation>
    </message>
    <message>
        <source>Check Integrity</source>
        <translation>检查完整性</translation>
    </message>
    <message>
        <source>Open the model completely: every tensor loads and every shape matches; all problems are listed.</source>
        <translation>完整打开模型：加载每个张量并核对每个形状；列出所有问题。</translation>
    </message>
    <message>
        <source>Model directory</source>
        <translation>模型目录</translation>
    </message>
    <message>
        <source>Integrity check passed.</source>
        <translation>完整性检查通过。</translation>
    </message>
    <message>
        <source>Integrity check FAILED.</source>
        <translation>完整性检查失败。</translation>
    </message>
    <message>
        <source>%1 (default)</source>
        <translation>%1（默认）</translation>
    </message>
    <message>
        <source>No models yet: add a model directory.</source>
        <translation>还没有模型：请添加一个模型目录。</translation>
    </message>
    <message>
        <source>
Checking…</source>
        <translation>
正在检查…</translation>
    </message>
</context>
<context>
    <name>ld::ModelRegistry</name>
    <message>
        <source>base: %1</source>
        <translation>基础：%1</translation>
    </message>
    <message>
        <source>trained from scratch</source>
        <translation>从头训练</translation>
    </message>
    <message>
        <source>%1 steps</source>
        <translation>%1 步</translation>
    </message>
    <message>
        <source>objective: %1</source>
        <translation>目标：%1</translation>
    </message>
    <message>
        <source>val mIoU %1, tuned %2 (%3 images)</source>
        <translation>验证 mIoU %1，调优后 %2（%3 张图像）</translation>
    </message>
    <message>
        <source>The directory does not exist.</source>
        <translation>该目录不存在。</translation>
    </message>
    <message>
        <source>Size: %1 MB</source>
        <translation>大小：%1 MB</translation>
    </message>
    <message>
        <source>No model card: read as a bare diffusers folder.</source>
        <translation>没有模型卡：按普通 diffusers 文件夹读取。</translation>
    </message>
    <message>
        <source>Card error: %1</source>
        <translation>模型卡错误：%1</translation>
    </message>
    <message>
        <source>DiT (PixArt)</source>
        <translation>DiT（PixArt）</translation>
    </message>
    <message>
        <source>DiT (SD3 MMDiT)</source>
        <translation>DiT（SD3 MMDiT）</translation>
    </message>
    <message>
        <source>U-Net</source>
        <translation>U-Net</translation>
    </message>
    <message>
        <source>Denoiser: %1</source>
        <translation>去噪网络：%1</translation>
    </message>
    <message>
        <source>Components: %1</source>
        <translation>组件：%1</translation>
    </message>
    <message>
        <source>Classes: %1</source>
        <translation>类别：%1</translation>
    </message>
    <message>
        <source>(open vocabulary)</source>
        <translation>（开放词汇）</translation>
    </message>
    <message>
        <source>Provenance: %1</source>
        <translation>来源：%1</translation>
    </message>
    <message>
        <source>Validation: %1</source>
        <translation>验证：%1</translation>
    </message>
    <message>
        <source>OK: every tensor loaded and every shape matches (%1 components, %2 parameters).</source>
        <translation>正常：所有张量均已加载，所有形状均匹配（%1 个组件，%2 个参数）。</translation>
    </message>
</context>
<context>
    <name>ld::PhraseChips</name>
    <message>
        <source>Segment “%1”</source>
        <translation>分割“%1”</translation>
    </message>
</context>
<context>
    <name>ld::ProgressIndicator</name>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Stop the running task (Esc)</source>
        <translation>停止正在运行的任务 (Esc)</translation>
    </message>
    <message>
        <source>%1 left</source>
        <translation>剩余 %1</translation>
    </message>
    <message>
        <source>(cancelling…)</source>
        <translation>（正在取消…）</translation>
    </message>
</context>
<context>
    <name>ld::PromptPanel</name>
    <message>
        <source>Categories</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Double-click a category to segment its prompt</source>
        <translation>双击类别以分割其提示</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <source>Add a category</source>
        <translation>添加类别</translation>
    </message>
    <message>
        <source>Rename</source>
        <translation>重命名</translation>
    </message>
    <message>
        <source>Rename the selected category</source>
        <translation>重命名所选类别</translation>
    </message>
    <message>
        <source>Colour</source>
        <translation>颜色</translation>
    </message>
    <message>
        <source>Change the selected category's colour</source>
        <translation>更改所选类别的颜色</translation>
    </message>
    <message>
        <source>Merge</source>
        <translation>合并</translation>
    </message>
    <message>
        <source>Merge the selected category into another</source>
        <translation>将所选类别合并到另一个类别</translation>
    </message>
    <message>
        <source>Segment all categories</source>
        <translation>分割全部类别</translation>
    </message>
    <message>
        <source>Phrase</source>
        <translation>短语</translation>
    </message>
    <message>
        <source>e.g. the red umbrella</source>
        <translation>例如：红色的雨伞</translation>
    </message>
    <message>
        <source>Segment</source>
        <translation>分割</translation>
    </message>
    <message>
        <source>Segment the phrase (Ctrl+Return)</source>
        <translation>分割该短语 (Ctrl+Return)</translation>
    </message>
    <message>
        <source>Caption</source>
        <translation>描述</translation>
    </message>
    <message>
        <source>A narrative caption: each noun phrase becomes a chip to segment</source>
        <translation>叙述性描述：每个名词短语都会成为一个可分割的标签</translation>
    </message>
    <message>
        <source>Segment all phrases</source>
        <translation>分割全部短语</translation>
    </message>
    <message>
        <source>Prompt: %1</source>
        <translation>提示：%1</translation>
    </message>
    <message>
        <source>Add category “%1”</source>
        <translation>添加类别“%1”</translation>
    </message>
    <message>
        <source>Rename category</source>
        <translation>重命名类别</translation>
    </message>
    <message>
        <source>Change category colour</source>
        <translation>更改类别颜色</translation>
    </message>
    <message>
        <source>Merge categories</source>
        <translation>合并类别</translation>
    </message>
    <message>
        <source>Add category</source>
        <translation>添加类别</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>名称：</translation>
    </message>
    <message>
        <source>Category colour</source>
        <translation>类别颜色</translation>
    </message>
    <message>
        <source>Merge category</source>
        <translation>合并类别</translation>
    </message>
    <message>
        <source>Merge “%1” into:</source>
        <translation>将“%1”合并到：</translation>
    </message>
</context>
<context>
    <name>ld::SamplerPanel</name>
    <message>
        <source>Model directory</source>
        <translation>模型目录</translation>
    </message>
    <message>
        <source>…</source>
        <translation>…</translation>
    </message>
    <message>
        <source>Choose a model directory</source>
        <translation>选择模型目录</translation>
    </message>
    <message>
        <source>Load</source>
        <translation>加载</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>No model loaded</source>
        <translation>未加载模型</translation>
    </message>
    <message>
        <source>Automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <source>CUDA</source>
        <translation>CUDA</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>model default</source>
        <translation>模型默认</translation>
    </message>
    <message>
        <source>Steps</source>
        <translation>步数</translation>
    </message>
    <message>
        <source>trailing</source>
        <translation>trailing（尾部）</translation>
    </message>
    <message>
        <source>leading</source>
        <translation>leading（前部）</translation>
    </message>
    <message>
        <source>linspace</source>
        <translation>linspace（均匀）</translation>
    </message>
    <message>
        <source>Spacing</source>
        <translation>时间步间隔</translation>
    </message>
    <message>
        <source>Guidance</source>
        <translation>引导强度</translation>
    </message>
    <message>
        <source>Ensemble</source>
        <translation>集成数</translation>
    </message>
    <message>
        <source>New seed</source>
        <translation>新种子</translation>
    </message>
    <message>
        <source>new each run</source>
        <translation>每次新种子</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>种子</translation>
    </message>
    <message>
        <source>Threshold τ on the mask probability; moving it re-thresholds without sampling again</source>
        <translation>掩码概率的阈值 τ；移动它会重新阈值化而无需重新采样</translation>
    </message>
    <message>
        <source>Threshold τ</source>
        <translation>阈值 τ</translation>
    </message>
</context>
<context>
    <name>ld::ShortcutsDialog</name>
    <message>
        <source>Keyboard Shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <source>Menu</source>
        <translation>菜单</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>Shortcut</source>
        <translation>快捷键</translation>
    </message>
</context>
<context>
    <name>ld::TrainingPanel</name>
    <message>
        <source>Phrase similarity (text encoder)</source>
        <translation>短语相似度（文本编码器）</translation>
    </message>
    <message>
        <source>Reading the training data</source>
        <translation>正在读取训练数据</translation>
    </message>
    <message>
        <source>Comparison failed: %1</source>
        <translation>比较失败：%1</translation>
    </message>
    <message>
        <source>Current project (labelled images)</source>
        <translation>当前项目（已标注图像）</translation>
    </message>
    <message>
        <source>COCO instances file</source>
        <translation>COCO 实例文件</translation>
    </message>
    <message>
        <source>labelme folder</source>
        <translation>labelme 文件夹</translation>
    </message>
    <message>
        <source>Mask folder</source>
        <translation>掩码文件夹</translation>
    </message>
    <message>
        <source>Where the labelled images come from. The current project uses every image that has annotations (reviewed or not), exported to a temporary COCO file.</source>
        <translation>已标注图像的来源。“当前项目”使用所有带标注的图像（无论是否已审核），并导出为临时 COCO 文件。</translation>
    </message>
    <message>
        <source>dataset file or folder</source>
        <translation>数据集文件或文件夹</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>No dataset read yet.</source>
        <translation>尚未读取数据集。</translation>
    </message>
    <message>
        <source>Share of the images held out for validation (a seeded split). Validation measures per-class IoU and tunes each class's threshold.</source>
        <translation>留作验证的图像比例（按种子划分）。验证会计算每个类别的 IoU 并调整各类别的阈值。</translation>
    </message>
    <message>
        <source>Source:</source>
        <translation>来源：</translation>
    </message>
    <message>
        <source>Path:</source>
        <translation>路径：</translation>
    </message>
    <message>
        <source>Validation share:</source>
        <translation>验证比例：</translation>
    </message>
    <message>
        <source>Dataset</source>
        <translation>数据集</translation>
    </message>
    <message>
        <source>Default model</source>
        <translation>默认模型</translation>
    </message>
    <message>
        <source>Model directory…</source>
        <translation>模型目录…</translation>
    </message>
    <message>
        <source>From scratch</source>
        <translation>从头训练</translation>
    </message>
    <message>
        <source>U-Net</source>
        <translation>U-Net</translation>
    </message>
    <message>
        <source>DiT</source>
        <translation>DiT</translation>
    </message>
    <message>
        <source>The network that denoises the mask, for a model trained from scratch: a U-Net (GS, DiGSeg) or a PixArt-style Diffusion Transformer (GenMask). A fine-tuned model keeps its base's.</source>
        <translation>为掩码去噪的网络（仅用于从头训练的模型）：U-Net（GS、DiGSeg）或 PixArt 式扩散 Transformer（GenMask）。微调的模型沿用其基础模型的网络。</translation>
    </message>
    <message>
        <source>Denoiser:</source>
        <translation>去噪网络：</translation>
    </message>
    <message>
        <source>Fine-tune an existing model directory (the default one, or any other), or train a small self-contained model from scratch over the dataset's class names.</source>
        <translation>微调已有的模型目录（默认模型或其他任意模型），或基于数据集的类别名称从头训练一个小型独立模型。</translation>
    </message>
    <message>
        <source>model directory</source>
        <translation>模型目录</translation>
    </message>
    <message>
        <source>The trained model directory to write. Checkpoints go to &lt;output&gt;.checkpoints.</source>
        <translation>要写入的训练后模型目录。检查点保存在 &lt;output&gt;.checkpoints。</translation>
    </message>
    <message>
        <source>Load config…</source>
        <translation>加载配置…</translation>
    </message>
    <message>
        <source>Read advanced settings from a .train.json file (as labeldiff-cli train uses); they apply on top of the settings above.</source>
        <translation>从 .train.json 文件（labeldiff-cli train 所用格式）读取高级设置；它们覆盖上面的设置。</translation>
    </message>
    <message>
        <source>Base:</source>
        <translation>基础：</translation>
    </message>
    <message>
        <source>Directory:</source>
        <translation>目录：</translation>
    </message>
    <message>
        <source>Output:</source>
        <translation>输出：</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>x₀ (sample) prediction</source>
        <translation>x₀（样本）预测</translation>
    </message>
    <message>
        <source>ε (noise) prediction</source>
        <translation>ε（噪声）预测</translation>
    </message>
    <message>
        <source>v prediction</source>
        <translation>v 预测</translation>
    </message>
    <message>
        <source>Rectified flow</source>
        <translation>整流流</translation>
    </message>
    <message>
        <source>Discriminative baseline</source>
        <translation>判别式基线</translation>
    </message>
    <message>
        <source>What the network learns to predict. x₀ (GenMask/DiGSeg) suits one-step masks; ε is classic DDPM (needs a schedule without zero terminal SNR); flow is rectified flow; discriminative is a plain one-pass baseline.</source>
        <translation>网络学习预测的目标。x₀（GenMask/DiGSeg）适合一步生成掩码；ε 为经典 DDPM（需要非零终端信噪比的调度）；flow 为整流流；判别式为普通的单次前向基线。</translation>
    </message>
    <message>
        <source>Long tail (GenMask)</source>
        <translation>长尾（GenMask）</translation>
    </message>
    <message>
        <source>Uniform</source>
        <translation>均匀</translation>
    </message>
    <message>
        <source>Logit-normal (SD3)</source>
        <translation>Logit 正态（SD3）</translation>
    </message>
    <message>
        <source>How training noise levels are drawn. Long tail favours extreme noise, where one-step mask generation starts; uniform draws every level alike.</source>
        <translation>训练噪声水平的采样方式。长尾偏向极强噪声（一步生成掩码的起点）；均匀则对所有水平一视同仁。</translation>
    </message>
    <message>
        <source>Gaussian</source>
        <translation>高斯</translation>
    </message>
    <message>
        <source>Multi-resolution annealed (DiGSeg)</source>
        <translation>多分辨率退火（DiGSeg）</translation>
    </message>
    <message>
        <source>The noise added to mask latents: plain Gaussian, or DiGSeg's multi-resolution noise (coarse blobs as well as pixels), annealed with the timestep.</source>
        <translation>加到掩码潜变量上的噪声：普通高斯噪声，或 DiGSeg 的多分辨率噪声（既有粗块也有像素级），随时间步退火。</translation>
    </message>
    <message>
        <source>Condition dropout: the share of samples whose phrase is replaced by the learned null embedding, so that classifier-free guidance works at sampling time.</source>
        <translation>条件丢弃：短语被替换为学习到的空嵌入的样本比例，使采样时可以使用无分类器引导。</translation>
    </message>
    <message>
        <source>Peak AdamW learning rate, after a linear warm-up, decaying by a cosine to 5 %. Lower it (1e-4 … 1e-5) when fine-tuning a large pretrained model.</source>
        <translation>AdamW 峰值学习率：线性预热后按余弦衰减到 5 %。微调大型预训练模型时请调低（1e-4 … 1e-5）。</translation>
    </message>
    <message>
        <source>Optimizer steps in total (a resumed run continues up to this number).</source>
        <translation>优化器总步数（恢复的训练会继续到这个步数）。</translation>
    </message>
    <message>
        <source>(image, phrase, mask) samples per step. Larger batches are smoother but need more memory.</source>
        <translation>每步的（图像、短语、掩码）样本数。批次越大越平稳，但需要更多内存。</translation>
    </message>
    <message>
        <source>Image side (pixels) of a model trained from scratch; a fine-tuned model keeps its base's resolution.</source>
        <translation>从头训练的模型的图像边长（像素）；微调的模型保持其基础模型的分辨率。</translation>
    </message>
    <message>
        <source>Regular expressions over parameter names, separated by spaces: matching parameters stay fixed (e.g. ^image_encoder\. keeps the image encoder).</source>
        <translation>以空格分隔的参数名正则表达式：匹配的参数保持不变（例如 ^image_encoder\. 冻结图像编码器）。</translation>
    </message>
    <message>
        <source>Automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <source>CUDA GPU</source>
        <translation>CUDA GPU</translation>
    </message>
    <message>
        <source>Where the training runs; automatic takes a CUDA GPU when there is one.</source>
        <translation>训练运行的位置；自动模式在有 CUDA GPU 时使用它。</translation>
    </message>
    <message>
        <source>Validate (IoU per class, mIoU) every this many steps; 0: only at the end.</source>
        <translation>每隔这么多步验证一次（各类别 IoU、mIoU）；0：仅在结束时。</translation>
    </message>
    <message>
        <source>Write a checkpoint (a complete model directory) every this many steps; Stop always writes one.</source>
        <translation>每隔这么多步写入一个检查点（完整的模型目录）；停止时总会写入一个。</translation>
    </message>
    <message>
        <source>Objective:</source>
        <translation>目标：</translation>
    </message>
    <message>
        <source>Timestep sampling:</source>
        <translation>时间步采样：</translation>
    </message>
    <message>
        <source>Noise:</source>
        <translation>噪声：</translation>
    </message>
    <message>
        <source>p_drop:</source>
        <translation>p_drop：</translation>
    </message>
    <message>
        <source>Learning rate:</source>
        <translation>学习率：</translation>
    </message>
    <message>
        <source>Steps:</source>
        <translation>步数：</translation>
    </message>
    <message>
        <source>Batch:</source>
        <translation>批次：</translation>
    </message>
    <message>
        <source>Resolution:</source>
        <translation>分辨率：</translation>
    </message>
    <message>
        <source>Freeze:</source>
        <translation>冻结：</translation>
    </message>
    <message>
        <source>Device:</source>
        <translation>设备：</translation>
    </message>
    <message>
        <source>Validate every:</source>
        <translation>验证间隔：</translation>
    </message>
    <message>
        <source>Checkpoint every:</source>
        <translation>检查点间隔：</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>开始</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Stop after the current step; a checkpoint is written and Resume continues from it.</source>
        <translation>在当前步之后停止；会写入检查点，“恢复”将从它继续。</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>恢复</translation>
    </message>
    <message>
        <source>Continue from the last checkpoint, exactly as an uninterrupted run would.</source>
        <translation>从最后一个检查点继续，结果与不中断的训练完全相同。</translation>
    </message>
    <message>
        <source>step %v / %m</source>
        <translation>第 %v / %m 步</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Training loss</source>
        <translation>训练损失</translation>
    </message>
    <message>
        <source>loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <source>Validation IoU</source>
        <translation>验证 IoU</translation>
    </message>
    <message>
        <source>IoU</source>
        <translation>IoU</translation>
    </message>
    <message>
        <source>Learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>lr</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>Validation images (ground truth | prediction)</source>
        <translation>验证图像（真值 | 预测）</translation>
    </message>
    <message>
        <source>Shown after each checkpoint.</source>
        <translation>每个检查点之后显示。</translation>
    </message>
    <message>
        <source>Class</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Tuned τ</source>
        <translation>调优后的 τ</translation>
    </message>
    <message>
        <source>Register model</source>
        <translation>注册模型</translation>
    </message>
    <message>
        <source>Add the trained model to the model manager's list.</source>
        <translation>将训练好的模型加入模型管理器的列表。</translation>
    </message>
    <message>
        <source>Make active</source>
        <translation>设为当前模型</translation>
    </message>
    <message>
        <source>Register the trained model and label with it from now on.</source>
        <translation>注册训练好的模型，并从现在起用它标注。</translation>
    </message>
    <message>
        <source>Compare old vs new</source>
        <translation>比较新旧模型</translation>
    </message>
    <message>
        <source>Score the base model and the trained one on the validation split (IoU per class), on the training thread.</source>
        <translation>在训练线程中，于验证集上评估基础模型和训练后的模型（各类别 IoU）。</translation>
    </message>
    <message>
        <source>Old IoU</source>
        <translation>旧 IoU</translation>
    </message>
    <message>
        <source>New IoU</source>
        <translation>新 IoU</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>变化</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>No project is open.</source>
        <translation>没有打开的项目。</translation>
    </message>
    <message>
        <source>The project has no labelled images yet.</source>
        <translation>项目中还没有已标注的图像。</translation>
    </message>
    <message>
        <source>Reading…</source>
        <translation>正在读取…</translation>
    </message>
    <message>
        <source>Split: about %1 % of the images for validation.</source>
        <translation>划分：约 %1 % 的图像用于验证。</translation>
    </message>
    <message>
        <source>Choose a dataset first.</source>
        <translation>请先选择数据集。</translation>
    </message>
    <message>
        <source>Choose an output directory first.</source>
        <translation>请先选择输出目录。</translation>
    </message>
    <message>
        <source>Choose a base model first (or train from scratch).</source>
        <translation>请先选择基础模型（或从头训练）。</translation>
    </message>
    <message>
        <source>Training</source>
        <translation>训练</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>正在启动…</translation>
    </message>
    <message>
        <source>Resuming from %1…</source>
        <translation>正在从 %1 恢复…</translation>
    </message>
    <message>
        <source>Stopping: writing a checkpoint…</source>
        <translation>正在停止：写入检查点…</translation>
    </message>
    <message>
        <source>Training on %1 images, validating on %2, %3 classes, %4 trainable parameters, %5.</source>
        <translation>在 %1 张图像上训练，在 %2 张上验证，%3 个类别，%4 个可训练参数，%5。</translation>
    </message>
    <message>
        <source>learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>%1 s/step, ETA %2</source>
        <translation>%1 秒/步，预计剩余 %2</translation>
    </message>
    <message>
        <source>step %1 / %2, loss %3</source>
        <translation>第 %1 / %2 步，损失 %3</translation>
    </message>
    <message>
        <source>mIoU</source>
        <translation>mIoU</translation>
    </message>
    <message>
        <source>%1 — IoU %2</source>
        <translation>%1 — IoU %2</translation>
    </message>
    <message>
        <source>Stopped at step %1; checkpoint %2. Resume continues from it.</source>
        <translation>已在第 %1 步停止；检查点 %2。“恢复”将从它继续。</translation>
    </message>
    <message>
        <source>Training stopped at step %1</source>
        <translation>训练已在第 %1 步停止</translation>
    </message>
    <message>
        <source>Done: %1 (mIoU %2).</source>
        <translation>完成：%1（mIoU %2）。</translation>
    </message>
    <message>
        <source>Training finished</source>
        <translation>训练完成</translation>
    </message>
    <message>
        <source>Training failed: %1</source>
        <translation>训练失败：%1</translation>
    </message>
    <message>
        <source>Training failed</source>
        <translation>训练失败</translation>
    </message>
    <message>
        <source>Registered %1.</source>
        <translation>已注册 %1。</translation>
    </message>
    <message>
        <source>Comparing %1 with %2 on the validation split…</source>
        <translation>正在验证集上比较 %1 与 %2…</translation>
    </message>
    <message>
        <source>Validation mIoU: %1 → %2.</source>
        <translation>验证 mIoU：%1 → %2。</translation>
    </message>
    <message>
        <source>JSON (*.json)</source>
        <translation>JSON (*.json)</translation>
    </message>
    <message>
        <source>Dataset folder</source>
        <translation>数据集文件夹</translation>
    </message>
    <message>
        <source>Base model directory</source>
        <translation>基础模型目录</translation>
    </message>
    <message>
        <source>Trained model directory</source>
        <translation>训练后模型目录</translation>
    </message>
    <message>
        <source>Training config</source>
        <translation>训练配置</translation>
    </message>
    <message>
        <source>Training config (*.json)</source>
        <translation>训练配置 (*.json)</translation>
    </message>
    <message>
        <source>Cannot read %1.</source>
        <translation>无法读取 %1。</translation>
    </message>
    <message>
        <source>%1 is not a JSON object.</source>
        <translation>%1 不是 JSON 对象。</translation>
    </message>
    <message>
        <source>Advanced settings from %1 apply on top of the panel's.</source>
        <translation>来自 %1 的高级设置将覆盖面板上的设置。</translation>
    </message>
</context>
<context>
    <name>ld::TrajectoryStrip</name>
    <message>
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <source>Animate the denoising steps</source>
        <translation>动画播放去噪步骤</translation>
    </message>
    <message>
        <source>Scrub through the denoising steps</source>
        <translation>拖动浏览去噪步骤</translation>
    </message>
    <message>
        <source>No trajectory</source>
        <translation>无轨迹</translation>
    </message>
    <message>
        <source>step %1/%2  t=%3</source>
        <translation>第 %1/%2 步  t=%3</translation>
    </message>
    <message>
        <source>Step %1 of %2 (t = %3)</source>
        <translation>第 %1 步，共 %2 步 (t = %3)</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Ensemble members and their disagreement</source>
        <translation>集成成员及其分歧</translation>
    </message>
    <message>
        <source>seed +%1</source>
        <translation>种子 +%1</translation>
    </message>
    <message>
        <source>disagreement</source>
        <translation>分歧</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>Label images by text prompt with label diffusion</source>
        <translation>用标签扩散按文本提示标注图像</translation>
    </message>
    <message>
        <source>A folder of images, a project or a dataset file</source>
        <translation>图像文件夹、项目或数据集文件</translation>
    </message>
    <message>
        <source>Model directory to load</source>
        <translation>要加载的模型目录</translation>
    </message>
    <message>
        <source>dir</source>
        <translation>目录</translation>
    </message>
</context>
<context>
    <name>ld::GuardedApplication</name>
    <message>
        <source>Out of memory: the last action was not completed.</source>
        <translation>内存不足：上一个操作未完成。</translation>
    </message>
    <message>
        <source>The last action failed: %1</source>
        <translation>上一个操作失败：%1</translation>
    </message>
    <message>
        <source>The last action failed with an unknown error.</source>
        <translation>上一个操作因未知错误而失败。</translation>
    </message>
</context>
<context>
    <name>ld::SegmentSession</name>
    <message>
        <source>Segmenting “%1”</source>
        <translation>正在分割“%1”</translation>
    </message>
    <message>
        <source>done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>Accept proposal</source>
        <translation>接受候选</translation>
    </message>
</context>
<context>
    <name>ld::Task</name>
    <message>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
</context>
<context>
    <name>ld::DialogPrompts</name>
    <message>
        <source>Unsaved changes</source>
        <translation>未保存的更改</translation>
    </message>
    <message>
        <source>The project has unsaved changes. Save them?</source>
        <translation>项目有未保存的更改。是否保存？</translation>
    </message>
    <message>
        <source>Restore autosave?</source>
        <translation>恢复自动保存？</translation>
    </message>
    <message numerus="yes">
        <source>LabelDiff did not close cleanly. An autosave of %1 from %2 (%n annotation(s)) was found.
Restore it?</source>
        <translation><numerusform>LabelDiff 上次未正常关闭。找到了 %1 于 %2 的自动保存（%n 个标注）。
是否恢复？</numerusform></translation>
    </message>
</context>
<context>
    <name>ld::ExportDialog</name>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <source>RLE (exact, keeps holes)</source>
        <translation>RLE（精确，保留孔洞）</translation>
    </message>
    <message>
        <source>Polygons</source>
        <translation>多边形</translation>
    </message>
    <message>
        <source>Format</source>
        <translation>格式</translation>
    </message>
    <message>
        <source>Masks as</source>
        <translation>掩码保存为</translation>
    </message>
</context>
<context>
    <name>ld::BatchDialog</name>
    <message>
        <source>Segment every category's prompt on each image with the current sampler settings.
Annotations made by people are never changed.</source>
        <translation>用当前采样器设置在每张图像上分割每个类别的提示。
人工所做的标注永远不会被更改。</translation>
    </message>
    <message>
        <source>Only images without annotations</source>
        <translation>仅限没有标注的图像</translation>
    </message>
    <message>
        <source>Keep existing model annotations</source>
        <translation>保留已有的模型标注</translation>
    </message>
    <message>
        <source>Label all images</source>
        <translation>标注全部图像</translation>
    </message>
</context>
<context>
    <name>ld::ModelHistoryPanel</name>
    <message>
        <source>–</source>
        <translation>–</translation>
    </message>
    <message>
        <source>fine-tuned from %1</source>
        <translation>由 %1 微调而来</translation>
    </message>
    <message>
        <source>%1 (in use)</source>
        <translation>%1（使用中）</translation>
    </message>
    <message>
        <source>A run holds about a quarter of them out to score the new model.</source>
        <translation>每次运行约留出四分之一用于评估新模型。</translation>
    </message>
    <message>
        <source>Review at least %1 to improve the model from them.</source>
        <translation>至少审阅 %1 张才能用它们改进模型。</translation>
    </message>
    <message numerus="yes">
        <source>%n image(s) reviewed.</source>
        <translation><numerusform>已审阅 %n 张图像。</numerusform></translation>
    </message>
    <message>
        <source>Model history</source>
        <translation>模型历史</translation>
    </message>
    <message>
        <source>Go back (or forward) to the selected model and propose again for the images not reviewed yet.</source>
        <translation>回到（或前进到）所选模型，并为尚未审阅的图像重新生成候选。</translation>
    </message>
    <message>
        <source>Use this model</source>
        <translation>使用此模型</translation>
    </message>
    <message>
        <source>The models this project was labelled with. Each score is on the reviewed images its run held out (the starting model on those of the first run). Double-click to use one.</source>
        <translation>标注本项目所用的模型。每个分数都基于该次运行留出的已审阅图像（初始模型基于第一次运行留出的图像）。双击即可使用。</translation>
    </message>
    <message>
        <source>Reviewed / held out</source>
        <translation>已审阅 / 留出</translation>
    </message>
    <message>
        <source>Held-out mIoU</source>
        <translation>留出集 mIoU</translation>
    </message>
    <message>
        <source>Added (UTC)</source>
        <translation>添加时间（UTC）</translation>
    </message>
    <message>
        <source>Use the improved model and propose again for the images not reviewed yet.</source>
        <translation>使用改进后的模型，并为尚未审阅的图像重新生成候选。</translation>
    </message>
    <message>
        <source>Switch to the new model</source>
        <translation>切换到新模型</translation>
    </message>
    <message>
        <source>Continue the paused run from its checkpoint.</source>
        <translation>从检查点继续已暂停的运行。</translation>
    </message>
    <message>
        <source>Stop the run with a checkpoint; Resume continues from it.</source>
        <translation>写入检查点并停止运行；继续会从检查点接着运行。</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Fine-tune the model in use on the reviewed images, holding some of them out to score the new model against it; you are offered the new one if it does better.</source>
        <translation>在已审阅的图像上微调当前模型，并留出其中一部分来比较新旧模型；新模型更好时会提供给你。</translation>
    </message>
    <message>
        <source>Improve the model from my reviews</source>
        <translation>用我的审阅改进模型</translation>
    </message>
    <message>
        <source>Fine-tuning steps of a run. It runs in the background at a low priority on one core; Pause writes a checkpoint and frees the core, Resume goes on from it.</source>
        <translation>一次运行的微调步数。它在后台以低优先级在一个核心上运行；暂停会写入检查点并释放该核心，继续则从检查点接着运行。</translation>
    </message>
    <message>
        <source> steps</source>
        <translation> 步</translation>
    </message>
</context>
<context>
    <name>ld::ModelImprover</name>
    <message>
        <source>Failed: %1</source>
        <translation>失败：%1</translation>
    </message>
    <message>
        <source>Model improvement failed</source>
        <translation>模型改进失败</translation>
    </message>
    <message>
        <source>The new model scores %1 on the %2 held-out reviewed images, no better than the model in use (%3): keeping it.</source>
        <translation>新模型在 %2 张留出的已审阅图像上得分 %1，不优于当前模型（%3）：保留当前模型。</translation>
    </message>
    <message>
        <source>The new model scores %1 on the %2 held-out reviewed images, the model in use %3.</source>
        <translation>新模型在 %2 张留出的已审阅图像上得分 %1，当前模型得分 %3。</translation>
    </message>
    <message>
        <source>Model improvement finished</source>
        <translation>模型改进已完成</translation>
    </message>
    <message>
        <source>Scoring both models on the %1 held-out reviewed images…</source>
        <translation>正在 %1 张留出的已审阅图像上评估两个模型…</translation>
    </message>
    <message>
        <source>scoring the old and the new model</source>
        <translation>正在评估新旧模型</translation>
    </message>
    <message>
        <source>Paused at step %1 of %2.</source>
        <translation>已在第 %1 / %2 步暂停。</translation>
    </message>
    <message>
        <source>Model improvement paused at step %1</source>
        <translation>模型改进已在第 %1 步暂停</translation>
    </message>
    <message>
        <source>Model improvement stopped: another project was opened</source>
        <translation>模型改进已停止：打开了另一个项目</translation>
    </message>
    <message>
        <source>Training on %1 reviewed images, %2 held out to score it.</source>
        <translation>在 %1 张已审阅图像上训练，留出 %2 张用于评估。</translation>
    </message>
    <message>
        <source>Improving the model</source>
        <translation>正在改进模型</translation>
    </message>
    <message>
        <source>Pausing: writing a checkpoint…</source>
        <translation>正在暂停：写入检查点…</translation>
    </message>
    <message>
        <source>Resuming at step %1…</source>
        <translation>从第 %1 步继续…</translation>
    </message>
    <message numerus="yes">
        <source>Improving the model from %n reviewed image(s)</source>
        <translation><numerusform>正在用 %n 张已审阅图像改进模型</numerusform></translation>
    </message>
    <message>
        <source>Review at least %1 images first (%2 reviewed): some of them are held out to score the new model.</source>
        <translation>请先至少审阅 %1 张图像（已审阅 %2 张）：其中一部分会被留出来评估新模型。</translation>
    </message>
    <message>
        <source>No model is in use to improve.</source>
        <translation>没有正在使用的模型可供改进。</translation>
    </message>
    <message>
        <source>The model is already being improved.</source>
        <translation>模型已在改进中。</translation>
    </message>
    <message>
        <source>step %1 / %2</source>
        <translation>第 %1 / %2 步</translation>
    </message>
</context>
<context>
    <name>ld::PhraseSimilarityView</name>
    <message>
        <source>Phrase similarity appears at the first validation.</source>
        <translation>短语相似度会在第一次验证时显示。</translation>
    </message>
    <message>
        <source>Cosine similarity of the text encoder&apos;s phrase encodings. Red cells outlined in black are phrases the model cannot tell apart (above %1).</source>
        <translation>文本编码器对各短语编码的余弦相似度。黑框红色单元格表示模型无法区分的短语（高于 %1）。</translation>
    </message>
</context>
<context>
    <name>ld::ReviewController</name>
    <message>
        <source>Review image</source>
        <translation>审阅图像</translation>
    </message>
</context>
<context>
    <name>ld::ReviewLoop</name>
    <message>
        <source>The model improved from your reviews scores %1 mIoU on the %2 reviewed images it did not train on; the model in use scores %3.

Switch to it and propose again for the images not reviewed yet?</source>
        <translation>根据你的审阅改进的模型在 %2 张未参与训练的已审阅图像上 mIoU 为 %1；当前模型为 %3。

切换到它并为尚未审阅的图像重新生成候选吗？</translation>
    </message>
    <message>
        <source>A better model</source>
        <translation>更好的模型</translation>
    </message>
    <message>
        <source>Improve the model</source>
        <translation>改进模型</translation>
    </message>
    <message>
        <source>Improving the model failed: %1</source>
        <translation>改进模型失败：%1</translation>
    </message>
    <message>
        <source>Model &amp;History</source>
        <translation>模型历史(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Pause or Resume the Improvement</source>
        <translation>暂停或继续改进(&amp;P)</translation>
    </message>
    <message>
        <source>Ctrl+Shift+I</source>
        <translation>Ctrl+Shift+I</translation>
    </message>
    <message>
        <source>&amp;Improve the Model from My Reviews</source>
        <translation>用我的审阅改进模型(&amp;I)</translation>
    </message>
    <message>
        <source>Improve from Reviews</source>
        <translation>从审阅改进</translation>
    </message>
</context>
</TS>